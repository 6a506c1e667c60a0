import { describe, expect, it } from 'vitest';
import { toVnpostOrderBody, vnpostOrderNumberOf } from '../../connectors/postal-vnpost/order-body.ts';
import { vnpostOptionsOf, vnpostOperations } from '../../connectors/postal-vnpost/options.ts';
import { stateOfVnpostCode, vnpostStatusTable } from '../../connectors/postal-vnpost/status-codes.ts';
import { readTrackingPage } from '../../connectors/postal-vnpost/tracking-feed.ts';
import { exampleCustomerCode, exampleDelivery, goldenOrderPostBody } from '../fixtures/vnpost-order-post.ts';

describe('VNPost order/post as the public client sends it', () => {
  it('matches the golden body field by field, in MOrder order, nulls included', () => {
    const body = toVnpostOrderBody(exampleDelivery, exampleCustomerCode);
    expect(Object.keys(body)).toEqual(Object.keys(goldenOrderPostBody));
    for (const [field, value] of Object.entries(goldenOrderPostBody)) expect({ field, value: body[field as keyof typeof body] }).toEqual({ field, value });
    expect(JSON.stringify(body)).toBe(JSON.stringify(goldenOrderPostBody));
  });

  it('swaps sender and receiver for a pickup, and numbers it apart from the delivery', () => {
    const body = toVnpostOrderBody({ ...exampleDelivery, kind: 'pickup' }, exampleCustomerCode);
    expect(body).toMatchObject({ SenderName: 'Phạm Thị Thu', SenderDistrict: 2010, SenderEmail: null, ReceiverName: 'Bộ phận một cửa tỉnh', ReceiverEmail: 'motcua@example.gov.vn' });
    expect(body.OrderNumber).toBe(`${exampleDelivery.dossierCode}__pickup`);
    expect(vnpostOrderNumberOf(exampleDelivery)).toBe(exampleDelivery.dossierCode);
  });
});

describe('VNPost tracking feed and status codes', () => {
  it('reads a RESTHeart page as the SDK models it (MStatus, MRhDoc) and maps codes through the one table', () => {
    const records = readTrackingPage({
      _size: 2,
      _returned: 2,
      _embedded: {
        'rh:doc': [
          { _id: { $oid: '65a0000000000000000000a1' }, OrderNumber: 'HS-1', ItemCode: 'EB1VN', EventTime: Date.UTC(2026, 10, 23, 3), StatusCode: 3, StatusMessage: 'Đã giao' },
          { _id: { $oid: '65a0000000000000000000a2' }, OrderNumber: 'HS-2', StatusCode: 9 },
        ],
      },
    });
    expect(records).toEqual([
      { id: '65a0000000000000000000a1', orderNumber: 'HS-1', trackingNumber: 'EB1VN', state: 'delivered', carrierStatus: '3', statusMessage: 'Đã giao', occurredAt: '2026-11-23T03:00:00.000Z' },
      { id: '65a0000000000000000000a2', orderNumber: 'HS-2', trackingNumber: undefined, state: undefined, carrierStatus: '9', statusMessage: undefined, occurredAt: '' },
    ]);
    expect(readTrackingPage({})).toEqual([]);
    expect(() => readTrackingPage({ _embedded: { 'rh:doc': [{ OrderNumber: 'HS-3' }] } })).toThrow(/_id/);
  });

  it('has one row per code, each state once', () => {
    expect(vnpostStatusTable.map((r) => r.code)).toEqual([1, 2, 3, 4]);
    expect(new Set(vnpostStatusTable.map((r) => r.state)).size).toBe(vnpostStatusTable.length);
    expect(stateOfVnpostCode('4')).toBe('cancelled');
    expect(stateOfVnpostCode(0)).toBeUndefined();
  });

  it('asks for a token only when it holds the credential itself, and refuses bad options clearly', () => {
    expect(vnpostOperations({ customerCode: 'C' })).toEqual({ order: '/order/post', tracking: '/order/tracking', cancel: '/order/cancel' });
    expect(vnpostOperations({ customerCode: 'C', consumerKey: 'k', consumerSecret: 's' })).toMatchObject({ token: '/token' });
    expect(() => vnpostOptionsOf({ customerCode: 'C', consumerKey: 'k' })).toThrow(/go together/);
    expect(() => vnpostOptionsOf({ customerCode: 'C', trackingPageSize: 5000 })).toThrow(/trackingPageSize/);
  });
});
