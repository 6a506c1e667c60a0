/** An attachment of an online submission: where to fetch it and the hash the portal states for it. */
export interface SubmittedAttachment {
  name: string;
  url: string;
  sha256: string;
  contentType?: string;
}

/** A dossier a citizen filed online at the national portal, in our form (schemas/dossier-submission.v1.json). */
export interface SubmittedDossier {
  /** The portal's position of this dossier in its feed: the cursor moves past it. */
  sequence: string;
  dossierCode: string;
  procedureCode: string;
  agencyCode: string;
  submittedAt: string;
  applicant: { fullName: string; personalId?: string; phone?: string; email?: string; address?: string };
  summary?: string;
  attachments: SubmittedAttachment[];
}

/** The feed port a connector offers (the national portal's new online dossiers). */
export interface SubmissionSource {
  /** Dossiers after `cursor` (undefined: from the start), oldest first, at most `limit`; and the cursor after them. */
  fetch(cursor: string | undefined, limit: number): Promise<{ dossiers: unknown[]; nextCursor: string | undefined }>;
  /** Maps one item of the feed to our form; throws with the field that is wrong. */
  map(item: unknown): SubmittedDossier;
  download(attachment: SubmittedAttachment): Promise<Buffer>;
  close(): Promise<void>;
}
