import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { algorithmOidOf, normalizeSerialHex, asn1Bytes as bytes, asn1Children as children, asn1FromDer, asn1ToDer, type Asn1 } from './asn1.ts';

const { asn1 } = forge;

/** The extensions path validation reads. Any other extension marked critical makes the certificate unusable. */
const ext = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;
const understood = new Set<string>(Object.values(ext));

const keyUsageBits = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'] as const;
export type KeyUsage = (typeof keyUsageBits)[number];

export interface NameConstraints {
  /** Each subtree is a DER-decoded list of RDN "TYPE=value" strings the subject must start with. */
  permittedDirectoryNames: string[][];
  excludedDirectoryNames: string[][];
  /** True when a form other than directoryName is constrained: we cannot evaluate it, so we refuse (fail closed). */
  hasUnsupportedForms: boolean;
}

/** Everything about one certificate that chain validation, revocation and binding need, parsed once. */
export interface CertificateInfo {
  der: Buffer;
  x509: X509Certificate;
  fingerprint256: string;
  serialHex: string;
  subjectRdns: string[];
  notBefore: Date;
  notAfter: Date;
  signatureAlgorithmOid: string;
  basicConstraints?: { ca: boolean; pathLen?: number };
  keyUsage?: Set<KeyUsage>;
  extKeyUsage?: string[];
  nameConstraints?: NameConstraints;
  crlUrls: string[];
  subjectKeyIdentifier?: string;
  unknownCriticalExtensions: string[];
  isSelfSigned: boolean;
}


/** RDNs as "C=VN", "O=…", "CN=…" in certificate order, values decoded from UTF-8 where needed. */
export function rdnsOf(name: Asn1): string[] {
  return children(name).flatMap((set) =>
    children(set).map((attr) => {
      const [type, value] = children(attr);
      const oid = asn1.derToOid(type!.value as string);
      const short = (forge.pki.oids[oid] && shortNames[forge.pki.oids[oid] as string]) ?? oid;
      const raw = value!.value as string;
      const text = value!.type === asn1.Type.UTF8 ? forge.util.decodeUtf8(raw) : value!.type === asn1.Type.BMPSTRING ? Buffer.from(raw, 'binary').swap16().toString('utf16le') : raw;
      return `${short}=${text}`;
    }),
  );
}
const shortNames: Record<string, string> = {
  commonName: 'CN', countryName: 'C', localityName: 'L', stateOrProvinceName: 'ST', organizationName: 'O',
  organizationalUnitName: 'OU', emailAddress: 'E', serialName: 'SERIALNUMBER', title: 'T',
};

function readKeyUsage(value: Asn1): Set<KeyUsage> {
  const raw = bytes(value); // BIT STRING: first byte counts unused bits
  const usages = new Set<KeyUsage>();
  keyUsageBits.forEach((name, bit) => {
    const byte = raw[1 + Math.floor(bit / 8)] ?? 0;
    if (byte & (0x80 >> bit % 8)) usages.add(name);
  });
  return usages;
}

function readBasicConstraints(value: Asn1): { ca: boolean; pathLen?: number } {
  const [first, second] = children(value);
  const ca = first?.type === asn1.Type.BOOLEAN ? (first.value as string) !== '\u0000' : false;
  const lenNode = first?.type === asn1.Type.INTEGER ? first : second;
  const len = lenNode ? bytes(lenNode) : undefined;
  return { ca, pathLen: len && len.length > 0 ? len.readUIntBE(0, Math.min(len.length, 6)) : undefined };
}

function readNameConstraints(value: Asn1): NameConstraints {
  const result: NameConstraints = { permittedDirectoryNames: [], excludedDirectoryNames: [], hasUnsupportedForms: false };
  for (const part of children(value)) {
    const target = part.type === 0 ? result.permittedDirectoryNames : result.excludedDirectoryNames;
    for (const subtree of children(part)) {
      const base = children(subtree)[0];
      if (base?.tagClass === asn1.Class.CONTEXT_SPECIFIC && base.type === 4) target.push(rdnsOf(children(base)[0]!));
      else result.hasUnsupportedForms = true;
    }
  }
  return result;
}

function readCrlUrls(value: Asn1): string[] {
  // SEQUENCE OF DistributionPoint { [0] distributionPoint { [0] fullName GeneralNames { [6] URI } } }
  return children(value).flatMap((point) =>
    children(children(children(point)[0])[0])
      .filter((name) => name.tagClass === asn1.Class.CONTEXT_SPECIFIC && name.type === 6)
      .map((name) => name.value as string),
  );
}

export function parseCertificate(der: Buffer): CertificateInfo {
  const x509 = new X509Certificate(der);
  const cert = asn1FromDer(der);
  const [tbs, signatureAlgorithm] = children(cert);
  const fields = children(tbs);
  const offset = fields[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const info: CertificateInfo = {
    der,
    x509,
    fingerprint256: x509.fingerprint256,
    serialHex: normalizeSerialHex(x509.serialNumber),
    subjectRdns: rdnsOf(fields[offset + 4]!),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    signatureAlgorithmOid: algorithmOidOf(signatureAlgorithm),
    crlUrls: [],
    unknownCriticalExtensions: [],
    isSelfSigned: x509.checkIssued(x509) && x509.verify(x509.publicKey),
  };
  const extensions = fields.find((f) => f.tagClass === asn1.Class.CONTEXT_SPECIFIC && f.type === 3);
  for (const extension of children(children(extensions)[0])) {
    const parts = children(extension);
    const id = asn1.derToOid(parts[0]!.value as string);
    const critical = parts[1]?.type === asn1.Type.BOOLEAN && (parts[1].value as string) !== '\u0000';
    const value = asn1FromDer(bytes(parts[parts.length - 1]));
    if (critical && !understood.has(id)) info.unknownCriticalExtensions.push(id);
    if (id === ext.keyUsage) info.keyUsage = readKeyUsage(value);
    else if (id === ext.basicConstraints) info.basicConstraints = readBasicConstraints(value);
    else if (id === ext.extKeyUsage) info.extKeyUsage = children(value).map((o) => asn1.derToOid(o.value as string));
    else if (id === ext.nameConstraints) info.nameConstraints = readNameConstraints(value);
    else if (id === ext.crlDistributionPoints) info.crlUrls = readCrlUrls(value);
    else if (id === ext.subjectKeyIdentifier) info.subjectKeyIdentifier = bytes(value).toString('hex');
  }
  return info;
}

/** The DER of the certificate's subject Name (a CRL's issuer field must carry the same name). */
export function subjectNameDer(der: Buffer): Buffer {
  const fields = children(children(asn1FromDer(der))[0]);
  const offset = fields[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  return asn1ToDer(fields[offset + 4]!);
}
