import type { PartnerConfig } from '../config/types.ts';
import type { VerifiedSignature } from '../signatures/verify-cms-signature.ts';

export interface AuthenticatedPartner extends PartnerConfig {
  id: string;
}

/** A parsed body: the document plus the raw bytes the signature covers. */
export interface ParsedBody {
  format: 'json' | 'xml';
  raw: Buffer;
  /** For XML, the root element's name. */
  root?: string;
  /** XML only: the root carried a ds:Signature child; it is removed from `document`, which is all signed content. */
  envelopedSignature?: boolean;
  document: unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    partner?: AuthenticatedPartner;
    verifiedSignature?: VerifiedSignature;
  }
}
