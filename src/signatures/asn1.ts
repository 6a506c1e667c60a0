import forge from 'node-forge';

export type Asn1 = forge.asn1.Asn1;

/**
 * node-forge's DER reader, with BIT STRINGs left as bytes so re-encoding a parsed certificate gives back
 * exactly the bytes that were signed. (The typings only know the old boolean form of the options.)
 */
export function asn1FromDer(der: Buffer, strict = true): Asn1 {
  const options = { strict, decodeBitStrings: false } as unknown as boolean;
  return forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')), options);
}

export function asn1ToDer(node: Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}

/** The children of a constructed node; none for a missing or primitive one. */
export const asn1Children = (node: Asn1 | undefined): Asn1[] => (node && Array.isArray(node.value) ? (node.value as Asn1[]) : []);

/** The content bytes of a primitive node (empty when missing). */
export const asn1Bytes = (node: Asn1 | undefined): Buffer => Buffer.from((node?.value as string) ?? '', 'binary');

/** Certificate serials compare as lower-case hex without the sign-padding zero bytes DER may add. */
export const normalizeSerialHex = (hex: string): string => hex.toLowerCase().replace(/^(00)+(?=.)/, '');

/** An INTEGER node (a serial number) as normalized hex. */
export const serialHexOf = (node: Asn1): string => normalizeSerialHex(forge.util.bytesToHex(node.value as string));

/** The OID of an AlgorithmIdentifier SEQUENCE. */
export const algorithmOidOf = (algorithmIdentifier: Asn1 | undefined): string =>
  forge.asn1.derToOid(asn1Children(algorithmIdentifier)[0]?.value as string);

/** A UTCTime or GeneralizedTime node as a Date. */
export const asn1Time = (node: Asn1): Date =>
  node.type === forge.asn1.Type.UTCTIME ? forge.asn1.utcTimeToDate(node.value as string) : forge.asn1.generalizedTimeToDate(node.value as string);
