// The admin dashboard: plain DOM code over /admin/api, no build step. Every text in Vietnamese and English.
// Live: a server-sent event stream (/admin/api/stream, opened with a one-time ticket) pushes the board.
const texts = {
  vi: {
    title: 'Cổng tích hợp — Quản trị', token: 'Mã truy cập quản trị', signIn: 'Đăng nhập', queues: 'Hàng đợi theo hệ thống nhận',
    destination: 'Hệ thống nhận', dead: 'Thư chết', oldest: 'Cũ nhất', waiting: 'Chờ', delayed: 'Chờ thử lại', active: 'Đang gửi',
    delivered: 'Đã gửi', paused: 'Tạm dừng', deadLetters: 'Thư chết theo nguyên nhân', reason: 'Lý do thao tác (bắt buộc)',
    timeline: 'Dòng thời gian hồ sơ', dossierCodeOrPrefix: 'Mã hồ sơ (hoặc phần đầu)', show: 'Xem', receivedAt: 'Nhận lúc',
    message: 'Thông điệp', state: 'Trạng thái', attempts: 'Số lần gửi', nextAttempt: 'Gửi lại lúc', lastError: 'Lỗi gần nhất', retry: 'Gửi lại',
    discard: 'Huỷ bỏ', retryGroup: 'Gửi lại cả nhóm', partner: 'Đối tác', dossier: 'Hồ sơ', failedAt: 'Lỗi lúc', none: 'Không có thư chết.',
    noneMatching: 'Không có thư chết khớp bộ lọc.', yes: 'có', no: 'không', needReason: 'Hãy nhập lý do (ít nhất 3 ký tự).', signedIn: 'Đã đăng nhập',
    badToken: 'Mã truy cập không hợp lệ.', language: 'English', circuit: 'Cầu dao',
    pause: 'Tạm dừng gửi', resume: 'Tiếp tục gửi', rawQueues: 'Xem hàng đợi chi tiết (bull-board)',
    payments: 'Thanh toán', reviews: 'Thanh toán cần kiểm tra', payment: 'Thanh toán', amount: 'Số tiền (₫)', reviewReason: 'Lý do ngân hàng', providerCodes: 'Mã ngân hàng',
    flaggedAt: 'Đánh dấu lúc', noReviews: 'Không có thanh toán cần kiểm tra.', markPaid: 'Xác nhận đã thanh toán', markFailed: 'Xác nhận thất bại',
    suspect: 'nghi ngờ (đã trừ tiền)', reversed: 'giao dịch đảo', 'suspected-fraud': 'nghi ngờ gian lận',
    navOverview: 'Tổng quan', navDeadLetters: 'Thư chết', navPayments: 'Thanh toán', navShipments: 'Bưu chính', navSubmissions: 'Nộp trực tuyến', navCitizens: 'Tra cứu công dân', navTimeline: 'Hồ sơ',
    throughput: 'Lưu lượng: đã gửi / thư chết', last15: '15 phút', lastHour: '1 giờ', lastDay: '24 giờ', failureRate: 'Tỉ lệ lỗi (24 giờ)',
    all: 'Tất cả', errorKind: 'Loại lỗi', dossierPrefix: 'Mã hồ sơ bắt đầu bằng',
    PERMANENT: 'Lỗi vĩnh viễn', RETRIES_EXHAUSTED: 'Hết lượt thử lại', UNKNOWN: 'Lỗi khác',
    settledAfterExpiry: 'Thanh toán về sau khi hết hạn (7 ngày)', provider: 'Kênh thanh toán', expiresAt: 'Hết hạn lúc', paidAt: 'Thanh toán lúc', noLatePayments: 'Không có.',
    refunds: 'Hoàn tiền (7 ngày)', refundAmount: 'Hoàn (₫)', refundKind: 'Loại', requestedBy: 'Người yêu cầu', requestedAt: 'Yêu cầu lúc', bankAnswer: 'Ngân hàng trả lời', noRefunds: 'Không có.',
    full: 'toàn phần', partial: 'một phần',
    shipments: 'Bưu chính (24 giờ)', shipmentKind: 'Loại', carrier: 'Đơn vị', trackingNumber: 'Mã vận đơn', stateTime: 'Cập nhật lúc', noShipments: 'Không có bưu gửi.',
    pickup: 'thu gom hồ sơ', delivery: 'trả kết quả',
    submissions: 'Hồ sơ nộp trực tuyến (24 giờ, bị từ chối trước)', source: 'Nguồn', sequence: 'Số thứ tự', outcome: 'Kết quả', noSubmissions: 'Không có hồ sơ nộp trực tuyến.',
    citizenChecks: 'Tra cứu công dân (24 giờ)', citizenPrivacy: 'Chỉ số lượng và kết quả; không hiển thị thông tin cá nhân.', purpose: 'Mục đích', checks: 'Số lần', outcomes: 'Kết quả', noCitizenChecks: 'Không có lượt tra cứu.',
    total: 'Tổng', incomplete: '(chỉ phần còn trong Redis)', notConfigured: 'Chưa cấu hình ở cổng này.',
    cancel: 'Thôi', close: 'Đóng', confirm: 'Xác nhận',
    live: 'Trực tiếp · cập nhật {time}', readOnly: 'Chỉ xem (không có quyền thao tác)', reconnecting: 'Mất kết nối trực tiếp, đang nối lại…',
    confirmRetryOne: 'Gửi lại 1 thư chết ({type}, hồ sơ {dossier}) tới {destination}?',
    confirmDiscardOne: 'Huỷ bỏ 1 thư chết ({type}, hồ sơ {dossier})? Đối tác sẽ thấy thư này “chết” kèm lý do của bạn. Không thể hoàn tác.',
    confirmRetryGroup: 'Gửi lại {n} thư chết của nhóm “{group}”?',
    confirmPause: 'Tạm dừng gửi tới {destination}? Thư mới vẫn được nhận và giữ lại ({n} đang chờ).',
    confirmResume: 'Tiếp tục gửi tới {destination}? {n} thư đang chờ sẽ được gửi.',
    confirmReview: 'Xác nhận thanh toán {payment} ({amount} ₫) là “{outcome}”? Tỉnh sẽ được báo kết quả này.',
    resultRetried: 'Đã đưa {n} thư trở lại hàng đợi.', resultBulk: 'Khớp {matched} thư; đã đưa {n} thư trở lại hàng đợi.', resultDiscarded: 'Đã huỷ bỏ {n} thư.',
    resultPaused: 'Đã tạm dừng gửi tới {destination}.', resultResumed: 'Đã tiếp tục gửi tới {destination}.', resultReview: 'Thanh toán {payment}: {status}.',
    // states
    queued: 'đang chờ', delivering: 'đang gửi', superseded: 'bỏ qua (đã có tin mới hơn)', expired: 'hết hạn lưu', 'dead-state': 'thư chết', 'delivered-state': 'đã gửi',
    closed: 'đóng', open: 'mở (tạm ngừng gửi)', 'half-open': 'đang thử lại',
    'outcome-delivered': 'đã gửi', 'outcome-retry': 'lỗi, sẽ thử lại', 'outcome-permanent': 'lỗi vĩnh viễn', 'outcome-circuit-open': 'cầu dao mở, chưa gửi',
    pending: 'chờ thanh toán', paid: 'đã thanh toán', failed: 'thất bại', 'needs-review': 'cần kiểm tra', refunded: 'đã hoàn tiền', cancelled: 'đã huỷ',
    requested: 'đang yêu cầu', refused: 'bị từ chối', error: 'lỗi (chưa rõ kết quả)',
    created: 'đã tạo đơn', accepted: 'đã nhận', 'in-transit': 'đang vận chuyển', 'shipment-delivered': 'đã phát',
    'rejected:invalid': 'từ chối: dữ liệu không hợp lệ', 'rejected:attachment-hash': 'từ chối: tệp đính kèm sai mã băm', 'submission-accepted': 'đã tiếp nhận',
    match: 'khớp', mismatch: 'không khớp', 'not-found': 'không tìm thấy', timeout: 'quá thời gian', unavailable: 'không truy cập được', busy: 'quá tải', 'circuit-open': 'cầu dao mở',
    // message view
    messageOf: '{type} · {id}', type: 'Loại thông điệp', signer: 'Chữ ký số', fingerprint: 'Vân tay SHA-256', unsigned: 'không ký (gói tự tạo)', replayOf: 'Gửi lại của',
    attemptsHeading: 'Các lần gửi', attemptError: 'Lỗi', attemptNo: 'Lần', at: 'Lúc', httpStatus: 'HTTP', duration: 'Thời gian', noAttempts: 'Chưa gửi lần nào.', envelope: 'Phong bì (đã che dữ liệu cá nhân)',
    dossierTimeline: 'Dòng thời gian của hồ sơ', finishedAt: 'Kết thúc lúc', openMessage: 'Mở thông điệp',
    noMessages: 'Không có thông điệp nào về hồ sơ này.', matchesFor: 'Các hồ sơ bắt đầu bằng “{prefix}”:', noMatches: 'Không có hồ sơ nào bắt đầu bằng “{prefix}”.',
    // message types
    'dossier.status.v1': 'Cập nhật trạng thái hồ sơ', 'dossier.status.v2': 'Cập nhật trạng thái hồ sơ (v2)', 'payment.result.v1': 'Kết quả thanh toán',
    'payment.refund.v1': 'Kết quả hoàn tiền', 'postal.shipment.v1': 'Yêu cầu bưu gửi', 'postal.shipment.created.v1': 'Đã tạo bưu gửi', 'postal.tracking.v1': 'Hành trình bưu gửi',
    'dossier.submitted.v1': 'Hồ sơ nộp trực tuyến', 'submission.receipt.v1': 'Biên nhận nộp trực tuyến', 'citizen.verify.v1': 'Tra cứu công dân',
    // errors
    AUTH_INVALID: 'Mã truy cập không hợp lệ hoặc đã hết hạn.', ROLE_FORBIDDEN: 'Thao tác này cần quyền vận hành (operator).', NOT_FOUND: 'Không tìm thấy (có thể đã được xử lý).',
    SCHEMA_INVALID: 'Dữ liệu gửi lên không hợp lệ.', PAYMENT_NOT_UNDER_REVIEW: 'Thanh toán này không còn chờ kiểm tra.', RATE_LIMITED: 'Quá nhiều yêu cầu, hãy thử lại sau.',
    UNAVAILABLE: 'Máy chủ tạm thời không sẵn sàng.', REPLICATION_PENDING: 'Đã ghi nhưng chưa kịp sao chép; hãy kiểm tra lại.', UPSTREAM_UNAVAILABLE: 'Hệ thống bên ngoài không trả lời.',
    UPSTREAM_TIMEOUT: 'Hệ thống bên ngoài trả lời quá chậm.', INTERNAL: 'Lỗi máy chủ.', NETWORK: 'Không kết nối được tới cổng.',
  },
  en: {
    title: 'Integration gateway — Admin', token: 'Admin token', signIn: 'Sign in', queues: 'Queues by destination',
    destination: 'Destination', dead: 'Dead letters', oldest: 'Oldest', waiting: 'Waiting', delayed: 'Retrying', active: 'Sending',
    delivered: 'Delivered', paused: 'Paused', deadLetters: 'Dead letters by reason', reason: 'Reason for the action (required)',
    timeline: 'Dossier timeline', dossierCodeOrPrefix: 'Dossier code (or its beginning)', show: 'Show', receivedAt: 'Received',
    message: 'Message', state: 'State', attempts: 'Attempts', nextAttempt: 'Next attempt', lastError: 'Last error', retry: 'Retry', discard: 'Discard',
    retryGroup: 'Retry the whole group', partner: 'Partner', dossier: 'Dossier', failedAt: 'Failed at', none: 'No dead letters.',
    noneMatching: 'No dead letters match the filter.', yes: 'yes', no: 'no', needReason: 'Enter a reason (at least 3 characters).', signedIn: 'Signed in',
    badToken: 'The token is not valid.', language: 'Tiếng Việt', circuit: 'Circuit',
    pause: 'Pause', resume: 'Resume', rawQueues: 'Raw queue view (bull-board)',
    payments: 'Payments', reviews: 'Payments awaiting review', payment: 'Payment', amount: 'Amount (VND)', reviewReason: "Bank's reason", providerCodes: 'Bank codes',
    flaggedAt: 'Flagged at', noReviews: 'No payments awaiting review.', markPaid: 'Confirm paid', markFailed: 'Confirm failed',
    suspect: 'suspect (debited)', reversed: 'reversed', 'suspected-fraud': 'suspected fraud',
    navOverview: 'Overview', navDeadLetters: 'Dead letters', navPayments: 'Payments', navShipments: 'Postal', navSubmissions: 'Online filing', navCitizens: 'Citizen checks', navTimeline: 'Dossiers',
    throughput: 'Throughput: delivered / dead', last15: '15 min', lastHour: '1 hour', lastDay: '24 hours', failureRate: 'Failure rate (24 h)',
    all: 'All', errorKind: 'Error kind', dossierPrefix: 'Dossier code starts with',
    PERMANENT: 'Permanent error', RETRIES_EXHAUSTED: 'Retries exhausted', UNKNOWN: 'Other error',
    settledAfterExpiry: 'Paid after expiry (7 days)', provider: 'Provider', expiresAt: 'Expired at', paidAt: 'Paid at', noLatePayments: 'None.',
    refunds: 'Refunds (7 days)', refundAmount: 'Refund (VND)', refundKind: 'Kind', requestedBy: 'Requested by', requestedAt: 'Requested at', bankAnswer: "Bank's answer", noRefunds: 'None.',
    full: 'full', partial: 'partial',
    shipments: 'Postal shipments (24 h)', shipmentKind: 'Kind', carrier: 'Carrier', trackingNumber: 'Tracking no.', stateTime: 'Updated', noShipments: 'No shipments.',
    pickup: 'pickup of the dossier', delivery: 'delivery of the result',
    submissions: 'Online submissions (24 h, refused first)', source: 'Source', sequence: 'Sequence', outcome: 'Outcome', noSubmissions: 'No online submissions.',
    citizenChecks: 'Citizen checks (24 h)', citizenPrivacy: 'Counts and outcomes only; no personal data is shown.', purpose: 'Purpose', checks: 'Checks', outcomes: 'Outcomes', noCitizenChecks: 'No checks.',
    total: 'Total', incomplete: '(only what is still in Redis)', notConfigured: 'Not configured on this gateway.',
    cancel: 'Cancel', close: 'Close', confirm: 'Confirm',
    live: 'Live · updated {time}', readOnly: 'Read-only (viewer)', reconnecting: 'Live connection lost, reconnecting…',
    confirmRetryOne: 'Retry 1 dead letter ({type}, dossier {dossier}) to {destination}?',
    confirmDiscardOne: 'Discard 1 dead letter ({type}, dossier {dossier})? Its partner will see it dead, with your reason. This cannot be undone.',
    confirmRetryGroup: 'Retry {n} dead letters of the group “{group}”?',
    confirmPause: 'Pause sending to {destination}? New messages are still accepted and held ({n} waiting).',
    confirmResume: 'Resume sending to {destination}? {n} waiting messages will be sent.',
    confirmReview: 'Confirm payment {payment} ({amount} VND) as “{outcome}”? The province will be told.',
    resultRetried: '{n} sent back to the queue.', resultBulk: '{matched} matched; {n} sent back to the queue.', resultDiscarded: '{n} discarded.',
    resultPaused: 'Sending to {destination} paused.', resultResumed: 'Sending to {destination} resumed.', resultReview: 'Payment {payment}: {status}.',
    queued: 'queued', delivering: 'delivering', superseded: 'superseded (newer news delivered)', expired: 'no longer kept', 'dead-state': 'dead', 'delivered-state': 'delivered',
    closed: 'closed', open: 'open (not sending)', 'half-open': 'probing',
    'outcome-delivered': 'delivered', 'outcome-retry': 'failed, will retry', 'outcome-permanent': 'permanent failure', 'outcome-circuit-open': 'circuit open, not sent',
    pending: 'awaiting payment', paid: 'paid', failed: 'failed', 'needs-review': 'needs review', refunded: 'refunded', cancelled: 'cancelled',
    requested: 'requested', refused: 'refused', error: 'error (outcome unknown)',
    created: 'order created', accepted: 'accepted', 'in-transit': 'in transit', 'shipment-delivered': 'delivered',
    'rejected:invalid': 'refused: invalid data', 'rejected:attachment-hash': 'refused: attachment hash mismatch', 'submission-accepted': 'accepted',
    match: 'match', mismatch: 'mismatch', 'not-found': 'not found', timeout: 'timed out', unavailable: 'unavailable', busy: 'busy', 'circuit-open': 'circuit open',
    messageOf: '{type} · {id}', type: 'Message type', signer: 'Signer', fingerprint: 'SHA-256 fingerprint', unsigned: 'not signed (made by the gateway)', replayOf: 'Replay of',
    attemptsHeading: 'Attempts', attemptError: 'Error', attemptNo: '#', at: 'At', httpStatus: 'HTTP', duration: 'Duration', noAttempts: 'Not tried yet.', envelope: 'Envelope (personal data redacted)',
    dossierTimeline: "The dossier's timeline", finishedAt: 'Finished at', openMessage: 'Open message',
    noMessages: 'No messages about this dossier.', matchesFor: 'Dossiers starting with “{prefix}”:', noMatches: 'No dossier starts with “{prefix}”.',
    'dossier.status.v1': 'Dossier status update', 'dossier.status.v2': 'Dossier status update (v2)', 'payment.result.v1': 'Payment result',
    'payment.refund.v1': 'Refund result', 'postal.shipment.v1': 'Shipment request', 'postal.shipment.created.v1': 'Shipment created', 'postal.tracking.v1': 'Shipment tracking',
    'dossier.submitted.v1': 'Online submission', 'submission.receipt.v1': 'Submission receipt', 'citizen.verify.v1': 'Citizen check',
    AUTH_INVALID: 'The token is not valid or has expired.', ROLE_FORBIDDEN: 'This action needs the operator role.', NOT_FOUND: 'Not found (it may have been handled already).',
    SCHEMA_INVALID: 'The request was not valid.', PAYMENT_NOT_UNDER_REVIEW: 'This payment no longer awaits review.', RATE_LIMITED: 'Too many requests; try again shortly.',
    UNAVAILABLE: 'The gateway is not ready right now.', REPLICATION_PENDING: 'Written, but not yet replicated; check again.', UPSTREAM_UNAVAILABLE: 'The outside system does not answer.',
    UPSTREAM_TIMEOUT: 'The outside system answered too slowly.', INTERNAL: 'Server error.', NETWORK: 'Cannot reach the gateway.',
  },
};
let language = sessionStorage.getItem('language') || 'vi';
const t = (key, values = {}) => String(texts[language][key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
const $ = (selector) => document.querySelector(selector);
const locale = () => (language === 'vi' ? 'vi-VN' : 'en-GB');
const typeName = (type) => (texts[language][type] ? t(type) : type);
const shortId = (id) => (id ? String(id).slice(0, 8) : '-');
const number = (n) => Number(n ?? 0).toLocaleString(locale());
const when = (iso) => (iso ? new Date(iso).toLocaleString(locale()) : '-');
const age = (seconds) => (seconds === null ? '-' : seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`);
/** Message states share names with other words ("delivered" the column, "dead" the count): their own keys. */
const messageState = (state) => t(state === 'dead' || state === 'delivered' ? `${state}-state` : state);

function applyLanguage() {
  document.documentElement.lang = language;
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  $('#language').textContent = t('language');
}

function say(text) {
  $('#status').textContent = text;
}

/** A result or a warning, next to the action it is about (the section's own notice line). */
function notice(section, text, kind = 'ok') {
  const el = $(`[data-testid=notice-${section}]`);
  el.textContent = text;
  el.className = `notice ${kind}`;
}

class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
/** An API error in the reader's language; the server's own words after it, for details. */
const errorText = (err) => (err instanceof ApiError ? `${t(err.code)}${err.message ? ` (${err.message})` : ''}` : t('NETWORK'));

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(`/admin/api${path}`, {
      method,
      headers: { authorization: `Bearer ${sessionStorage.getItem('token')}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError('NETWORK', '');
  }
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(json.error ?? 'INTERNAL', json.message ?? '');
  return json;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '-';
  if (className) td.className = className;
  return td;
}

function row(values) {
  const tr = document.createElement('tr');
  for (const v of values) tr.append(v instanceof Node ? v : cell(v));
  return tr;
}

function button(label, testId, onClick, className) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.testid = testId;
  if (className) b.className = className;
  b.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick(event);
  });
  return b;
}

/** An action only operators may take: hidden for a viewer (body[data-role=viewer]). */
const opButton = (label, testId, onClick) => button(label, testId, onClick, 'op');

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (className) el.className = className;
  return el;
}

/** A row that opens a message: focusable, Enter or Space opens it, as does a click anywhere but its buttons. */
function openable(tr, messageId) {
  tr.tabIndex = 0;
  tr.classList.add('openable');
  tr.setAttribute('aria-label', `${t('openMessage')} ${messageId}`);
  tr.addEventListener('click', () => openMessage(messageId));
  tr.addEventListener('keydown', (event) => {
    if (event.target !== tr || (event.key !== 'Enter' && event.key !== ' ')) return;
    event.preventDefault();
    openMessage(messageId);
  });
  return tr;
}

/** The message's type as a button (the keyboard's way in), with the short id under it. */
function messageCell(messageId, type) {
  const td = document.createElement('td');
  td.append(button(typeName(type), 'open-message', () => openMessage(messageId), 'link'), element('div', shortId(messageId), 'muted mono'));
  return td;
}

// ---------------------------------------------------------------- confirmation

/** Asks before an action: says what it does and to how many, takes the reason. Resolves the reason, or undefined. */
function confirmAction({ title, text, okLabel }) {
  const dialog = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = okLabel;
  $('#confirm-warning').textContent = '';
  $('#confirm-reason').value = '';
  return new Promise((resolve) => {
    const finish = (value) => {
      $('#confirm-form').removeEventListener('submit', submit);
      $('#confirm-cancel').removeEventListener('click', cancel);
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const submit = (event) => {
      event.preventDefault();
      const reason = $('#confirm-reason').value.trim();
      if (reason.length < 3) {
        $('#confirm-warning').textContent = t('needReason');
        $('#confirm-reason').focus();
        return;
      }
      finish(reason);
    };
    const cancel = (event) => {
      event?.preventDefault();
      finish(undefined);
    };
    $('#confirm-form').addEventListener('submit', submit);
    $('#confirm-cancel').addEventListener('click', cancel);
    dialog.addEventListener('cancel', cancel);
    dialog.showModal();
    $('#confirm-reason').focus();
  });
}

/** Confirm, act, say the outcome in words next to the action, and read the board again. */
async function act(section, confirmation, path, body, describe) {
  const reason = await confirmAction(confirmation);
  if (!reason) return;
  try {
    const result = await api('POST', path, { ...body, reason });
    notice(section, describe(result), 'ok');
  } catch (err) {
    notice(section, errorText(err), 'warn');
  }
  await refresh().catch(() => {});
}

// ---------------------------------------------------------------- overview

let board = { destinations: [] };

function renderQueues() {
  const destinations = [...board.destinations].sort((a, b) => b.deadLetters.count - a.deadLetters.count || a.destination.localeCompare(b.destination));
  $('[data-testid=queues] tbody').replaceChildren(
    ...destinations.map((d) => {
      const waiting = d.counts.waiting + (d.counts.prioritized ?? 0) + d.counts.delayed;
      const tr = row([
        d.destination, cell(number(d.deadLetters.count), d.deadLetters.count ? 'dead' : ''), age(d.deadLetters.oldestAgeSeconds),
        number(d.counts.waiting + (d.counts.prioritized ?? 0)), number(d.counts.delayed), number(d.counts.active), number(d.counts.completed),
        cell(d.circuits.map((c) => t(c.state)).join(', ') || '-', d.circuits.some((c) => c.state !== 'closed') ? 'dead' : ''),
        d.paused ? t('yes') : t('no'),
        opButton(d.paused ? t('resume') : t('pause'), d.paused ? 'resume' : 'pause', () =>
          act(
            'overview',
            { title: d.paused ? t('resume') : t('pause'), text: t(d.paused ? 'confirmResume' : 'confirmPause', { destination: d.destination, n: number(waiting) }), okLabel: d.paused ? t('resume') : t('pause') },
            `/destinations/${encodeURIComponent(d.destination)}/${d.paused ? 'resume' : 'pause'}`,
            {},
            (r) => t(r.paused ? 'resultPaused' : 'resultResumed', { destination: r.destination }),
          ),
        ),
      ]);
      tr.dataset.destination = d.destination;
      return tr;
    }),
  );
  const percent = (finished, dead) => (finished + dead ? `${((dead / (finished + dead)) * 100).toFixed(1)} %` : '-');
  const pair = (w) => {
    const td = document.createElement('td');
    td.append(element('span', number(w.finished), 'ok-text'), ' / ', element('span', number(w.dead), w.dead ? 'dead' : ''));
    return td;
  };
  $('[data-testid=throughput] tbody').replaceChildren(
    ...board.destinations.map((d) => {
      const tr = row([d.destination, pair(d.lastMinutes), pair(d.lastHour ?? { finished: 0, dead: 0 }), pair(d.lastDay ?? { finished: 0, dead: 0 }), cell(percent(d.lastDay?.finished ?? 0, d.lastDay?.dead ?? 0), d.lastDay?.dead ? 'dead' : '')]);
      tr.dataset.destination = d.destination;
      return tr;
    }),
  );
  const select = $('#filter-destination');
  const chosen = select.value;
  const names = board.destinations.map((d) => d.destination);
  if ([...select.options].slice(1).map((o) => o.value).join() !== names.join()) {
    select.replaceChildren(Object.assign(element('option', t('all')), { value: '' }), ...names.map((n) => Object.assign(element('option', n), { value: n })));
    select.value = chosen;
  }
  select.options[0].textContent = t('all');
}

// ---------------------------------------------------------------- dead letters

let deadLetters = [];

function filteredDeadLetters() {
  const destination = $('#filter-destination').value;
  const errorCode = $('#filter-error').value;
  const partner = $('#filter-partner').value.trim();
  const dossier = $('#filter-dossier').value.trim();
  return deadLetters.filter(
    (d) => (!destination || d.destination === destination) && (!errorCode || d.errorCode === errorCode) && (!partner || d.partner.includes(partner)) && (!dossier || d.dossierCode.startsWith(dossier)),
  );
}

/** What follows the classification in the worker's reason ("PERMANENT: HTTP 422 from …: …"): the remote system's own words. */
const reasonDetail = (reason) => reason.replace(/^(PERMANENT|RETRIES_EXHAUSTED)( after \d+ attempts)?:\s*/, '');

/** A failure in the reader's language: the classification translated, the remote system's own words under it. */
function errorParts(reason) {
  if (!reason) return ['-'];
  const kind = /^(PERMANENT|RETRIES_EXHAUSTED)\b/.exec(reason)?.[1];
  const status = /HTTP (\d{3})/.exec(reason)?.[1];
  return kind ? [element('strong', `${t(kind)}${status ? ` · HTTP ${status}` : ''}`), element('div', reasonDetail(reason))] : [reason];
}
function errorBlock(reason) {
  const div = element('div', undefined, 'reason-text');
  div.replaceChildren(...errorParts(reason));
  return div;
}
function errorCell(reason) {
  const td = cell(undefined, 'reason-text');
  td.replaceChildren(...errorParts(reason));
  return td;
}

/**
 * Answers to one kind of request, shown in the order they were asked: two live updates a moment apart (or a second
 * dossier typed while the first is looked up) send two requests, and their answers can come back the other way
 * round. An answer older than one already shown is dropped, so a list never goes back to what it was (a dead letter
 * that the queue count says is there, missing until the next change).
 */
function inOrder() {
  let asked = 0;
  let shown = 0;
  return async (request, show) => {
    const turn = ++asked;
    const answer = await request();
    if (turn >= shown) {
      shown = turn;
      show(answer);
    }
    return answer;
  };
}

const deadLettersInOrder = inOrder();
async function loadDeadLetters() {
  await deadLettersInOrder(
    () => api('GET', '/dead-letters?limit=1000'),
    (answer) => {
      deadLetters = answer.deadLetters;
      renderDeadLetters();
    },
  );
}

function renderDeadLetters() {
  const groups = new Map();
  for (const d of filteredDeadLetters()) {
    const key = `${d.destination}|${d.errorCode}|${d.statusCode ?? ''}`;
    if (!groups.has(key)) groups.set(key, { destination: d.destination, errorCode: d.errorCode, statusCode: d.statusCode, letters: [] });
    groups.get(key).letters.push(d);
  }
  const container = $('#groups');
  if (groups.size === 0) {
    container.replaceChildren(element('p', deadLetters.length ? t('noneMatching') : t('none'), 'empty'));
    container.firstChild.dataset.testid = 'no-dead-letters';
    return;
  }
  container.replaceChildren(
    ...[...groups.values()].map((group) => {
      const name = `${group.destination} · ${t(group.errorCode)}${group.statusCode ? ` · HTTP ${group.statusCode}` : ''}`;
      const section = element('div', undefined, 'group');
      section.dataset.testid = 'dead-letter-group';
      section.dataset.errorCode = group.errorCode;
      const heading = element('h3');
      heading.append(
        element('span', `${name} — ${group.letters.length}`),
        opButton(t('retryGroup'), 'retry-group', async () => {
          // The server counts what the filter selects (dryRun changes nothing): the confirmation names that number.
          let matched = group.letters.length;
          let countedUntil;
          try {
            ({ matched, countedUntil } = await api('POST', '/dead-letters/retry', { ...groupFilter(group), reason: 'count before asking', dryRun: true }));
          } catch (err) {
            return notice('dead-letters', errorText(err), 'warn');
          }
          await act(
            'dead-letters',
            { title: t('retryGroup'), text: t('confirmRetryGroup', { n: matched, group: name }), okLabel: `${t('retry')} (${matched})` },
            '/dead-letters/retry',
            // Only what was counted and confirmed: letters that die while the dialog is open are left for the next look.
            { ...groupFilter(group), until: countedUntil },
            (r) => t('resultBulk', { matched: r.matched, n: r.retried }),
          );
        }),
      );
      const table = element('table');
      const head = element('thead');
      head.append(row([t('message'), t('partner'), t('dossier'), t('attempts'), t('failedAt'), t('lastError'), '']));
      for (const th of head.querySelectorAll('td')) th.replaceWith(element('th', th.textContent));
      const body = element('tbody');
      for (const d of group.letters) {
        const actions = document.createElement('td');
        actions.className = 'actions';
        const what = { type: typeName(d.type), dossier: d.dossierCode, destination: d.destination };
        actions.append(
          opButton(t('retry'), 'retry', () =>
            act('dead-letters', { title: t('retry'), text: t('confirmRetryOne', what), okLabel: t('retry') }, `/dead-letters/${d.messageId}/retry`, {}, (r) => t('resultRetried', { n: r.retried })),
          ),
          opButton(t('discard'), 'discard', () =>
            act('dead-letters', { title: t('discard'), text: t('confirmDiscardOne', what), okLabel: t('discard') }, `/dead-letters/${d.messageId}/discard`, {}, (r) => t('resultDiscarded', { n: r.discarded })),
          ),
        );
        const tr = openable(row([messageCell(d.messageId, d.type), cell(d.partner, 'nowrap'), d.dossierCode, d.attempts, when(d.failedAt), errorCell(d.reason), actions]), d.messageId);
        tr.dataset.testid = 'dead-letter';
        tr.dataset.messageId = d.messageId;
        body.append(tr);
      }
      table.append(head, body);
      const scroll = element('div', undefined, 'scroll');
      scroll.append(table);
      section.append(heading, scroll);
      return section;
    }),
  );
}

/**
 * The filter that selects exactly this group: destination, error code and the HTTP status (`none`: failures without
 * one, e.g. timeouts).
 */
function groupFilter(group) {
  return { destination: group.destination, errorCode: group.errorCode, statusCode: group.statusCode ?? 'none' };
}

// ---------------------------------------------------------------- payments

async function renderPayments() {
  let payments;
  try {
    ({ payments } = await api('GET', '/payments?status=needs-review'));
  } catch {
    $('#payments').hidden = true; // no payment providers in this gateway
    $('a[href="#payments"]').hidden = true;
    return;
  }
  fill(
    'reviews',
    payments.map((p) => {
      const actions = document.createElement('td');
      actions.className = 'actions';
      for (const outcome of ['paid', 'failed']) {
        actions.append(
          opButton(t(outcome === 'paid' ? 'markPaid' : 'markFailed'), `review-${outcome}`, () =>
            act(
              'payments',
              { title: t(outcome === 'paid' ? 'markPaid' : 'markFailed'), text: t('confirmReview', { payment: p.paymentId, amount: number(p.amount), outcome: t(outcome) }), okLabel: t(outcome === 'paid' ? 'markPaid' : 'markFailed') },
              `/payments/${encodeURIComponent(p.paymentId)}/review`,
              { outcome },
              (r) => t('resultReview', { payment: r.paymentId, status: t(r.status) }),
            ),
          ),
        );
      }
      const codes = Object.entries(p.providerCodes ?? {}).map(([k, v]) => `${k.replace('vnp_', '')}=${v}`).join(' ');
      const tr = row([p.paymentId, p.dossierCode, number(p.amount), cell(t(p.review?.reason), 'dead'), codes, when(p.review?.flaggedAt), actions]);
      tr.dataset.testid = 'review';
      tr.dataset.paymentId = p.paymentId;
      return tr;
    }),
  );
  const view = await api('GET', '/views/payments');
  fill(
    'late-payments',
    view.settledAfterExpiry.map((p) => {
      const tr = row([p.paymentId, p.dossierCode, p.provider, number(p.amount), when(p.expiresAt), when(p.paidAt), t(p.status)]);
      tr.dataset.testid = 'late-payment';
      tr.dataset.paymentId = p.paymentId;
      return tr;
    }),
  );
  fill(
    'refunds',
    view.refunds.map((p) => {
      const r = p.refund;
      const answer = [r.providerCode, r.providerMessage].filter(Boolean).join(' · ') || '-';
      const tr = row([p.paymentId, p.dossierCode, number(r.amount), t(r.kind), cell(t(r.status), r.status === 'refunded' ? '' : 'dead'), r.requestedBy, when(r.requestedAt), cell(answer, 'reason-text')]);
      tr.dataset.testid = 'refund';
      tr.dataset.state = r.status;
      return tr;
    }),
  );
}

// ---------------------------------------------------------------- postal, submissions, citizen checks

/** Rows into a table, or, when there are none, the table hidden and its "none" line shown. */
function fill(name, rows) {
  const table = $(`[data-testid=${name}]`);
  table.querySelector('tbody').replaceChildren(...rows);
  table.closest('.scroll').hidden = rows.length === 0;
  $(`[data-testid=no-${name}]`).hidden = rows.length > 0;
}

/** "Total 12 · delivered 3 · in transit 9", in the reader's language. */
function countsLine(selector, counts, label, complete) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = [`${t('total')} ${number(total)}`, ...Object.entries(counts).map(([k, n]) => `${label(k)} ${number(n)}`)];
  $(selector).textContent = total ? parts.join(' · ') + (complete === false ? ` ${t('incomplete')}` : '') : '';
}

const shipmentState = (state) => t(state === 'delivered' ? 'shipment-delivered' : state);

async function renderShipments() {
  const view = await api('GET', '/views/shipments');
  if (!view.configured) {
    $('#shipments').hidden = true;
    $('a[href="#shipments"]').hidden = true;
    return;
  }
  countsLine('[data-testid=shipment-counts]', view.counts, shipmentState, view.complete);
  fill(
    'shipments',
    view.shipments.map((s) => {
      const tr = openable(
        row([when(s.requestedAt), s.dossierCode, t(s.kind), s.carrier, s.trackingNumber, cell(shipmentState(s.state), s.state === 'refused' ? 'dead' : ''), when(s.stateTime), cell(s.lastError, 'reason-text')]),
        s.shipmentId,
      );
      tr.dataset.testid = 'shipment';
      tr.dataset.state = s.state;
      return tr;
    }),
  );
}

const submissionOutcome = (outcome) => t(outcome === 'accepted' ? 'submission-accepted' : outcome);

async function renderSubmissions() {
  const view = await api('GET', '/views/submissions');
  countsLine('[data-testid=submission-counts]', view.counts, submissionOutcome, view.complete);
  fill(
    'submissions',
    view.submissions.map((s) => {
      const tr = row([when(s.at), s.dossierCode, s.source, s.sequence, cell(submissionOutcome(s.outcome), s.outcome.startsWith('rejected') ? 'dead' : '')]);
      tr.dataset.testid = 'submission';
      tr.dataset.outcome = s.outcome;
      return tr;
    }),
  );
}

async function renderCitizenChecks() {
  const view = await api('GET', '/views/citizen-checks');
  if (!view.configured && view.total === 0) {
    $('#citizen-checks').hidden = true;
    $('a[href="#citizen-checks"]').hidden = true;
    return;
  }
  countsLine('[data-testid=citizen-counts]', view.counts, t, view.complete);
  fill(
    'citizen-checks',
    view.byPartner.map((p) => {
      const tr = row([p.partner, p.purpose, number(p.count), Object.entries(p.outcomes).map(([k, n]) => `${t(k)} ${number(n)}`).join(' · ')]);
      tr.dataset.testid = 'citizen-check';
      return tr;
    }),
  );
}

// ---------------------------------------------------------------- timeline and message view

function timelineRows(messages, onOpen) {
  return messages.map((m) => {
    const tr = row([when(m.receivedAt), messageCell(m.messageId, m.type), m.destination, cell(messageState(m.state), m.state === 'dead' ? 'dead' : ''), m.attempts ?? '-', when(m.nextAttemptAt), errorCell(m.lastError)]);
    openable(tr, m.messageId);
    if (onOpen) tr.addEventListener('click', onOpen);
    tr.dataset.testid = 'timeline-row';
    tr.dataset.state = m.state;
    tr.dataset.messageId = m.messageId;
    return tr;
  });
}

/** The dossier the reader asked for last (set when asked, not when answered): what live updates redraw. */
let wantedDossier = '';

const timelineInOrder = inOrder();
/** The dossier's messages, shown only while it is the one wanted and no later answer was shown. */
async function renderTimeline(dossierCode) {
  await timelineInOrder(
    () => api('GET', `/dossiers/${encodeURIComponent(dossierCode)}/timeline`),
    ({ messages }) => {
      if (dossierCode !== wantedDossier) return;
      $('[data-testid=timeline] tbody').replaceChildren(...timelineRows(messages));
      $('[data-testid=timeline]').closest('.scroll').hidden = messages.length === 0;
    },
  );
}

/** An exact code shows its timeline; otherwise the codes that start with what was typed, to pick from. */
async function searchDossier(text) {
  wantedDossier = text;
  notice('timeline', '');
  $('#dossier-matches').replaceChildren();
  if (text.length >= 1) {
    await renderTimeline(text);
    // Another search took over; or the page shows messages of this dossier: the newest answer about it is what is
    // drawn (its own, or a live redraw's asked after it), never an older one or another dossier's.
    if (wantedDossier !== text || $('[data-testid=timeline] tbody').children.length) return;
  }
  $('[data-testid=timeline] tbody').replaceChildren();
  $('[data-testid=timeline]').closest('.scroll').hidden = true;
  if (text.length < 3) return notice('timeline', t('noMessages'), 'warn');
  const { dossierCodes } = await api('GET', `/dossiers?prefix=${encodeURIComponent(text)}`);
  if (wantedDossier !== text) return;
  if (!dossierCodes.length) return notice('timeline', t('noMatches', { prefix: text }), 'warn');
  notice('timeline', t('matchesFor', { prefix: text }));
  $('#dossier-matches').replaceChildren(
    ...dossierCodes.map((code) => {
      const li = element('li');
      li.append(
        button(code, 'dossier-match', () => {
          $('#dossier').value = code;
          wantedDossier = code;
          $('#dossier-matches').replaceChildren();
          notice('timeline', '');
          renderTimeline(code).catch((err) => notice('timeline', errorText(err), 'warn'));
        }, 'link'),
      );
      return li;
    }),
  );
}

function facts(pairs) {
  const dl = element('dl', undefined, 'facts');
  for (const [label, value, testId] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    const dd = element('dd');
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value;
    if (testId) dd.dataset.testid = testId;
    dl.append(element('dt', label), dd);
  }
  return dl;
}

/** The message the reader opened last (set on the click, not when answered): what live updates redraw. */
let wantedMessageId;

const messageInOrder = inOrder();

/**
 * The message dialog, opened by a click or redrawn by a live update or a change of language (`redraw`): it shows the
 * message opened last, the latest answer about it, and a redraw answered after the dialog was closed leaves it closed.
 */
async function openMessage(messageId, { redraw = false } = {}) {
  if (!redraw) wantedMessageId = messageId;
  try {
    await messageInOrder(
      () => messageWithTimeline(messageId),
      ({ m, timeline }) => {
        if (messageId !== wantedMessageId || (redraw && !$('#message').open)) return;
        showMessage(m, timeline);
      },
    );
  } catch (err) {
    notice('timeline', errorText(err), 'warn');
  }
}

/** The message, and its dossier's timeline when there is one (a help here, not the point: undefined if it fails). */
async function messageWithTimeline(messageId) {
  const m = await api('GET', `/messages/${encodeURIComponent(messageId)}`);
  const timeline = m.dossierCode ? await api('GET', `/dossiers/${encodeURIComponent(m.dossierCode)}/timeline`).catch(() => undefined) : undefined;
  return { m, timeline };
}

function showMessage(m, timeline) {
  const dialog = $('#message');
  $('#message-title').textContent = t('messageOf', { type: typeName(m.type), id: shortId(m.messageId) });
  const envelope = m.envelope ?? {};
  const signer = envelope.signer ? `${envelope.signer.subject}` : t('unsigned');
  const body = $('#message-body');
  const parts = [
    facts([
      [t('type'), `${typeName(m.type)} (${m.type})`],
      ['ID', m.messageId],
      [t('state'), messageState(m.state), 'message-state'],
      [t('destination'), m.destination],
      [t('partner'), envelope.partner],
      [t('dossier'), m.dossierCode],
      [t('receivedAt'), when(m.receivedAt)],
      [t('finishedAt'), m.finishedAt ? when(m.finishedAt) : undefined],
      [t('nextAttempt'), m.nextAttemptAt ? when(m.nextAttemptAt) : undefined],
      [t('signer'), signer, 'message-signer'],
      [t('fingerprint'), envelope.signer?.fingerprint256],
      [t('replayOf'), envelope.replayOf],
      [t('lastError'), m.lastError ? errorBlock(m.lastError) : undefined],
    ]),
  ];
  parts.push(element('h3', t('attemptsHeading')));
  const history = m.history ?? [];
  if (history.length) {
    const table = element('table');
    table.dataset.testid = 'attempts';
    const head = element('tr');
    for (const h of [t('attemptNo'), t('at'), t('outcome'), t('httpStatus'), t('duration'), t('attemptError'), t('nextAttempt')]) head.append(element('th', h));
    table.append(head);
    for (const a of history) {
      const tr = row([a.attempt, when(a.at), cell(t(`outcome-${a.outcome}`), a.outcome === 'delivered' ? '' : 'dead'), a.statusCode ?? '-', `${a.durationMs} ms`, errorCell(a.error), when(a.nextAttemptAt)]);
      tr.dataset.testid = 'attempt';
      tr.dataset.outcome = a.outcome;
      table.append(tr);
    }
    const scroll = element('div', undefined, 'scroll');
    scroll.append(table);
    parts.push(scroll);
  } else parts.push(element('p', t('noAttempts'), 'empty'));
  if (m.dossierCode) parts.push(element('h3', t('dossierTimeline')));
  if (timeline) {
    const table = element('table');
    table.dataset.testid = 'message-timeline';
    const head = element('tr');
    for (const h of [t('receivedAt'), t('message'), t('destination'), t('state'), t('attempts'), t('nextAttempt'), t('lastError')]) head.append(element('th', h));
    table.append(head, ...timelineRows(timeline.messages));
    for (const tr of table.querySelectorAll('tr[data-message-id]')) if (tr.dataset.messageId === m.messageId) tr.classList.add('current');
    const scroll = element('div', undefined, 'scroll');
    scroll.append(table);
    parts.push(scroll);
  }
  if (m.envelope) {
    const details = element('details');
    details.append(element('summary', t('envelope')), element('pre', JSON.stringify(m.envelope, null, 2)));
    details.lastChild.dataset.testid = 'envelope';
    parts.push(details);
  }
  body.replaceChildren(...parts);
  if (!dialog.open) dialog.showModal();
  $('#message-close').focus();
}

// Forgotten as the reader closes it (the button, or Escape's cancel), not on the dialog's close event: that one comes
// a moment later, after a click on another message may already have asked for it.
$('#message-close').addEventListener('click', () => {
  wantedMessageId = undefined;
  $('#message').close();
});
$('#message').addEventListener('cancel', () => {
  wantedMessageId = undefined;
});

// ---------------------------------------------------------------- live stream

let stream;
let lastDeadSignature = '';
let lastReviews = null;

/** The board from the stream: queues and throughput at once; the lists only when what they show changed. */
async function applyBoard(next) {
  board = next;
  renderQueues();
  const deadSignature = JSON.stringify(next.destinations.map((d) => [d.destination, d.deadLetters.count, d.deadLetters.newestAt]));
  const work = [];
  if (deadSignature !== lastDeadSignature) {
    lastDeadSignature = deadSignature;
    work.push(loadDeadLetters());
    if (wantedDossier) work.push(renderTimeline(wantedDossier));
    if (wantedMessageId && $('#message').open) work.push(openMessage(wantedMessageId, { redraw: true }));
  }
  if (next.reviews !== lastReviews) {
    lastReviews = next.reviews;
    work.push(renderPayments());
  }
  await Promise.all(work).catch(() => {});
  liveSince = next.at;
  showLive();
}

/** The live line: when the board was last pushed, or that the stream is being reopened. */
let liveSince;
function showLive() {
  const live = $('#live');
  live.hidden = !liveSince;
  live.className = liveSince ? 'live on' : 'live off';
  if (liveSince) live.textContent = t('live', { time: new Date(liveSince).toLocaleTimeString(locale()) });
}

/** A ticket per connection (EventSource cannot send the token); a lost connection asks for a new one. */
async function connectLive() {
  if (stream) stream.close();
  try {
    const { ticket, role } = await api('POST', '/stream-tickets');
    document.body.dataset.role = role;
    stream = new EventSource(`/admin/api/stream?ticket=${encodeURIComponent(ticket)}`);
    stream.addEventListener('board', (event) => applyBoard(JSON.parse(event.data)));
    stream.addEventListener('error', () => {
      stream.close();
      reconnectLater();
    });
  } catch {
    reconnectLater();
  }
}

function reconnectLater() {
  liveSince = undefined;
  const live = $('#live');
  live.hidden = false;
  live.className = 'live off';
  live.textContent = t('reconnecting');
  if (sessionStorage.getItem('token')) setTimeout(connectLive, 3000);
}

// ---------------------------------------------------------------- start

async function refresh() {
  const { destinations } = await api('GET', '/queues');
  board = { ...board, destinations };
  renderQueues();
  await Promise.all([
    loadDeadLetters(),
    renderPayments().catch(() => {}),
    renderShipments().catch(() => {}),
    renderSubmissions().catch(() => {}),
    renderCitizenChecks().catch(() => {}),
    wantedDossier ? renderTimeline(wantedDossier) : undefined,
  ]);
}

async function start() {
  try {
    await refresh();
  } catch {
    sessionStorage.removeItem('token');
    say(t('badToken'));
    return;
  }
  $('#app').hidden = false;
  $('#login').hidden = true;
  say('');
  connectLive();
}

$('#login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem('token', $('#token').value);
  start();
});
$('#timeline-form').addEventListener('submit', (event) => {
  event.preventDefault();
  searchDossier($('#dossier').value.trim()).catch((err) => notice('timeline', errorText(err), 'warn'));
});
for (const id of ['#filter-destination', '#filter-error']) $(id).addEventListener('change', renderDeadLetters);
for (const id of ['#filter-partner', '#filter-dossier']) $(id).addEventListener('input', renderDeadLetters);
$('#dead-filter').addEventListener('submit', (event) => event.preventDefault());
$('#language').addEventListener('click', () => {
  language = language === 'vi' ? 'en' : 'vi';
  sessionStorage.setItem('language', language);
  applyLanguage();
  for (const el of document.querySelectorAll('.notice')) el.textContent = '';
  // Signed in or signing in (lists may be drawn before the page is shown): draw everything again in the new language.
  if (sessionStorage.getItem('token')) {
    if (liveSince) showLive();
    renderQueues();
    refresh().catch(() => {});
    if (wantedMessageId && $('#message').open) openMessage(wantedMessageId, { redraw: true });
  }
});
applyLanguage();
if (sessionStorage.getItem('token')) start();
