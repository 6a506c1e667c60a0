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
