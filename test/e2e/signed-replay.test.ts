import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { issueCertificate, type IssuedCertificate } from '../../src/signatures/pki-factory.ts';
import { signCms } from '../../src/signatures/sign-cms.ts';
import { signXmlEnveloped } from '../../src/signatures/sign-xml.ts';
import { createTestPki } from '../helpers/test-pki.ts';
import { agencyCode, startTestGateway, statusUpdate, totalJobs, type TestGateway } from '../helpers/test-gateway.ts';

/**
 * One signature, one message: a signed request captured and sent again within the freshness window, under any
 * Idempotency-Key, is the message it was first accepted as (200 with its messageId); nothing more is queued or sent.
 */
let t: TestGateway;
let ecSigner: IssuedCertificate;
let redis: Redis;
beforeAll(async () => {
  const pki = createTestPki();
  ecSigner = issueCertificate({ commonName: 'Province ECDSA signer', issuer: pki.intermediate, keyType: 'ec' });
  const fingerprint = (c: IssuedCertificate) => new X509Certificate(c.certificatePem).fingerprint256;
  t = await startTestGateway({ pki, overrides: { partners: { 'province-a': { certificates: [{ fingerprint256: fingerprint(pki.signer) }, { fingerprint256: fingerprint(ecSigner) }] } } } });
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  redis?.disconnect();
  await t?.close();
});

const portalJobs = async () => totalJobs(await t.gateway.queues.get('national-portal').getJobCounts());
const withKey = (key: string) => ({ 'idempotency-key': key });

/** Sends the exact same bytes and X-Signature once per key. */
async function sendEach(body: Buffer, signature: string | null, keys: string[], contentType = 'application/json') {
  const answers = [];
  for (const key of keys) answers.push(await t.send({ raw: body, signature, contentType, headers: withKey(key) }));
  return answers;
}

/** The same ECDSA signature with s replaced by n − s: just as valid, other bytes, made without the key. */
function malleate(signatureBase64: string): string {
  const n = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');
  const cms = forge.asn1.fromDer(forge.util.decode64(signatureBase64), { decodeBitStrings: false } as never); // certificates re-encoded byte for byte
  const signedData = ((cms.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!;
  const signerInfos = (signedData.value as forge.asn1.Asn1[]).at(-1)!;
  const signerInfo = (signerInfos.value as forge.asn1.Asn1[])[0]!;
  const signatureNode = (signerInfo.value as forge.asn1.Asn1[]).find((node) => node.type === forge.asn1.Type.OCTETSTRING && node.tagClass === forge.asn1.Class.UNIVERSAL)!;
  const ecdsa = forge.asn1.fromDer(signatureNode.value as string);
  const [r, s] = (ecdsa.value as forge.asn1.Asn1[]).map((i) => BigInt(`0x${forge.util.bytesToHex(i.value as string)}`)) as [bigint, bigint];
  const integer = (value: bigint) => {
    let hex = value.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
    return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, forge.util.hexToBytes(hex));
  };
  signatureNode.value = forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [integer(r), integer(n - s)])).getBytes();
  return forge.util.encode64(forge.asn1.toDer(cms).getBytes());
}

describe('one signature, one message', () => {
  it('the same signed body and X-Signature under keys k-1, k-2, k-3: one 202, then two 200s with its messageId; one job, one delivery', async () => {
    const doc = statusUpdate();
    const body = Buffer.from(JSON.stringify(doc));
    const signature = signCms(body, t.pki.defaultSigner);
    const before = await portalJobs();
    const [first, second, third] = await sendEach(body, signature, ['k-1', 'k-2', 'k-3']);
    expect(first!.statusCode, JSON.stringify(first!.body)).toBe(202);
    const messageId = first!.body.messageId as string;
    for (const again of [second!, third!]) expect({ statusCode: again.statusCode, body: again.body }).toEqual({ statusCode: 200, body: { messageId, status: 'duplicate', duplicate: true } });
    expect(await portalJobs()).toBe(before + 1);
    await t.waitForState(messageId, ['delivered']);
    await t.drain(); // nothing is left that could still reach the portal
    expect(await t.portal.progressFor(doc.dossierCode as string)).toHaveLength(1);
    // Still the same message once delivered.
    expect((await sendEach(body, signature, ['k-4']))[0]!.body).toEqual({ messageId, status: 'duplicate', duplicate: true });
  });

  it('an ECDSA signature re-randomized without the key (s → n − s) is still the same signature', async () => {
    const body = Buffer.from(JSON.stringify(statusUpdate()));
    const signature = signCms(body, t.pki.signerFor(ecSigner));
    const twin = malleate(signature);
    expect(twin).not.toBe(signature);
    const before = await portalJobs();
    const first = await t.send({ raw: body, signature, headers: withKey('ec-1') });
    expect(first.statusCode, JSON.stringify(first.body)).toBe(202);
    const replay = await t.send({ raw: body, signature: twin, headers: withKey('ec-2') });
    expect({ statusCode: replay.statusCode, body: replay.body }).toEqual({ statusCode: 200, body: { messageId: first.body.messageId, status: 'duplicate', duplicate: true } });
    expect(await portalJobs()).toBe(before + 1);
  });

  it('an XML-DSig-signed document sent again under another key is that message', async () => {
    const doc = statusUpdate();
    const xml =
      `<DossierStatus><dossierCode>${doc.dossierCode}</dossierCode><procedureCode>${doc.procedureCode}</procedureCode><agencyCode>${agencyCode}</agencyCode>` +
      `<status>4</status><statusTime>${doc.statusTime}</statusTime><channel>online</channel></DossierStatus>`;
    const signed = Buffer.from(signXmlEnveloped(xml, t.pki.defaultSigner));
    const before = await portalJobs();
    const [first, second] = await sendEach(signed, null, ['x-1', 'x-2'], 'application/xml');
    expect(first!.statusCode, JSON.stringify(first!.body)).toBe(202);
    expect({ statusCode: second!.statusCode, messageId: second!.body.messageId }).toEqual({ statusCode: 200, messageId: first!.body.messageId });
    expect(await portalJobs()).toBe(before + 1);
  });

  it('is remembered through the freshness window even when its job is gone (trimmed, discarded)', async () => {
    const body = Buffer.from(JSON.stringify(statusUpdate()));
    const signature = signCms(body, t.pki.defaultSigner);
    const [first] = await sendEach(body, signature, ['gone-1']);
    const messageId = first!.body.messageId as string;
    await t.waitForState(messageId, ['delivered']);
    await t.gateway.queues.get('national-portal').remove(messageId);
    expect(await t.gateway.queues.get('national-portal').getJob(messageId)).toBeUndefined();
    const [again] = await sendEach(body, signature, ['gone-2']);
    expect({ statusCode: again!.statusCode, messageId: again!.body.messageId }).toEqual({ statusCode: 200, messageId });
    expect(await t.gateway.queues.get('national-portal').getJob(messageId)).toBeUndefined();
    const ttl = await redis.pttl(`${t.config.redis.prefix}:signed-message:${messageId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2 * t.config.ingest.clockSkewMs);
  });

  it('a new signature over the same body: the same key (or no key) says it is the same update, a new key that it is a new one', async () => {
    const body = Buffer.from(JSON.stringify(statusUpdate()));
    const signedAt = (content: Buffer, ms: number) => signCms(content, t.pki.defaultSigner, { signingTime: new Date(Date.now() - ms) });
    const [first] = await sendEach(body, signedAt(body, 0), ['re-1']);
    expect(first!.statusCode).toBe(202);
    // Signed again (another signingTime, so other signed attributes) under the same key: the key's message.
    const resigned = signedAt(body, 2000);
    const sameKey = await t.send({ raw: body, signature: resigned, headers: withKey('re-1') });
    expect({ statusCode: sameKey.statusCode, messageId: sameKey.body.messageId }).toEqual({ statusCode: 200, messageId: first!.body.messageId });
    // That re-signature, now sent under a fresh key, was heard as the original's duplicate and stays so.
    const replayed = await t.send({ raw: body, signature: resigned, headers: withKey('re-2') });
    expect({ statusCode: replayed.statusCode, messageId: replayed.body.messageId }).toEqual({ statusCode: 200, messageId: first!.body.messageId });
    // A partner that signs the same body again on purpose and gives it a new key is sending a new message.
    const fresh = await t.send({ raw: body, signature: signedAt(body, 4000), headers: withKey('re-3') });
    expect(fresh.statusCode, JSON.stringify(fresh.body)).toBe(202);
    expect(fresh.body.messageId).not.toBe(first!.body.messageId);

    // Without a key, the dossier, status and status time name the update: signed again, it is the same update.
    const other = Buffer.from(JSON.stringify(statusUpdate()));
    const unkeyed = await t.send({ raw: other, signature: signedAt(other, 0) });
    expect(unkeyed.statusCode).toBe(202);
    const unkeyedAgain = await t.send({ raw: other, signature: signedAt(other, 2000) });
    expect({ statusCode: unkeyedAgain.statusCode, messageId: unkeyedAgain.body.messageId }).toEqual({ statusCode: 200, messageId: unkeyed.body.messageId });
  });

  it('three copies of one signed shipment request are one shipment, not three courier pickups', async () => {
    const shipment = {
      dossierCode: `${agencyCode}-BC-${Date.now()}`,
      agencyCode,
      kind: 'pickup',
      citizen: { fullName: 'Phạm Thị Thu', phone: '0912345678', address: '12 Trần Hưng Đạo', provinceCode: '20', districtCode: '2010' },
      office: { fullName: 'Bộ phận một cửa', phone: '02033835555', address: '1 Lê Thánh Tông', provinceCode: '20', districtCode: '2010' },
    };
    const body = Buffer.from(JSON.stringify(shipment));
    const signature = signCms(body, t.pki.defaultSigner);
    const carrierQueue = t.gateway.queues.get('vnpost');
    const before = totalJobs(await carrierQueue.getJobCounts());
    const answers = [];
    for (const key of ['p-1', 'p-2', 'p-3']) answers.push(await t.send({ raw: body, signature, path: '/v1/postal/shipments', headers: withKey(key) }));
    expect(answers.map((a) => a.statusCode)).toEqual([202, 200, 200]);
    expect(new Set(answers.map((a) => a.body.messageId)).size).toBe(1);
    expect(totalJobs(await carrierQueue.getJobCounts())).toBe(before + 1);
  });
});
