// The admin dashboard: plain DOM code over /admin/api, no build step. Texts in Vietnamese and English.
const texts = {
  vi: {
    title: 'Cổng tích hợp — Quản trị', token: 'Mã truy cập quản trị', signIn: 'Đăng nhập', queues: 'Hàng đợi theo hệ thống nhận',
    destination: 'Hệ thống nhận', dead: 'Thư chết', oldest: 'Cũ nhất', waiting: 'Chờ', delayed: 'Chờ thử lại', active: 'Đang gửi',
    delivered: 'Đã gửi', paused: 'Tạm dừng', deadLetters: 'Thư chết theo nguyên nhân', reason: 'Lý do thao tác (bắt buộc)',
    refresh: 'Làm mới', timeline: 'Dòng thời gian hồ sơ', dossierCode: 'Mã hồ sơ', show: 'Xem', receivedAt: 'Nhận lúc',
    message: 'Thông điệp', state: 'Trạng thái', attempts: 'Số lần gửi', nextAttempt: 'Gửi lại lúc', lastError: 'Lỗi gần nhất', retry: 'Gửi lại',
    discard: 'Huỷ bỏ', retryGroup: 'Gửi lại cả nhóm', partner: 'Đối tác', dossier: 'Hồ sơ', failedAt: 'Lỗi lúc', none: 'Không có thư chết.',
    yes: 'có', no: 'không', needReason: 'Hãy nhập lý do trước khi thao tác.', done: 'Đã thực hiện', signedIn: 'Đã đăng nhập',
    badToken: 'Mã truy cập không hợp lệ.', language: 'English', recent: '15 phút: xong / chết', circuit: 'Cầu dao',
    closed: 'đóng', open: 'mở (tạm ngừng gửi)', 'half-open': 'đang thử lại', pause: 'Tạm dừng gửi', resume: 'Tiếp tục gửi', rawQueues: 'Xem hàng đợi chi tiết (bull-board)',
    reviews: 'Thanh toán cần kiểm tra', payment: 'Thanh toán', amount: 'Số tiền (₫)', reviewReason: 'Lý do ngân hàng', providerCodes: 'Mã ngân hàng',
    flaggedAt: 'Đánh dấu lúc', noReviews: 'Không có thanh toán cần kiểm tra.', markPaid: 'Xác nhận đã thanh toán', markFailed: 'Xác nhận thất bại',
    suspect: 'nghi ngờ (đã trừ tiền)', reversed: 'giao dịch đảo', 'suspected-fraud': 'nghi ngờ gian lận',
  },
  en: {
    title: 'Integration gateway — Admin', token: 'Admin token', signIn: 'Sign in', queues: 'Queues by destination',
    destination: 'Destination', dead: 'Dead letters', oldest: 'Oldest', waiting: 'Waiting', delayed: 'Retrying', active: 'Sending',
    delivered: 'Delivered', paused: 'Paused', deadLetters: 'Dead letters by reason', reason: 'Reason for the action (required)',
    refresh: 'Refresh', timeline: 'Dossier timeline', dossierCode: 'Dossier code', show: 'Show', receivedAt: 'Received',
    message: 'Message', state: 'State', attempts: 'Attempts', nextAttempt: 'Next attempt', lastError: 'Last error', retry: 'Retry', discard: 'Discard',
    retryGroup: 'Retry the whole group', partner: 'Partner', dossier: 'Dossier', failedAt: 'Failed at', none: 'No dead letters.',
    yes: 'yes', no: 'no', needReason: 'Enter a reason before acting.', done: 'Done', signedIn: 'Signed in',
    badToken: 'The token is not valid.', language: 'Tiếng Việt', recent: '15 min: done / dead', circuit: 'Circuit',
    closed: 'closed', open: 'open (not sending)', 'half-open': 'probing', pause: 'Pause', resume: 'Resume', rawQueues: 'Raw queue view (bull-board)',
    reviews: 'Payments awaiting review', payment: 'Payment', amount: 'Amount (VND)', reviewReason: "Bank's reason", providerCodes: 'Bank codes',
    flaggedAt: 'Flagged at', noReviews: 'No payments awaiting review.', markPaid: 'Confirm paid', markFailed: 'Confirm failed',
    suspect: 'suspect (debited)', reversed: 'reversed', 'suspected-fraud': 'suspected fraud',
  },
};
let language = sessionStorage.getItem('language') || 'vi';
const t = (key) => texts[language][key] ?? key;
const $ = (selector) => document.querySelector(selector);

function applyLanguage() {
  document.documentElement.lang = language;
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  $('#language').textContent = t('language');
}

function say(text) {
  $('#status').textContent = text;
}

async function api(method, path, body) {
  const res = await fetch(`/admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${sessionStorage.getItem('token')}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${json.error}: ${json.message}`);
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

function button(label, testId, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset.testid = testId;
  b.addEventListener('click', onClick);
  return b;
}

function reasonOrWarn() {
  const reason = $('#reason').value.trim();
  if (reason.length < 3) {
    say(t('needReason'));
    return undefined;
  }
  return reason;
}

async function act(path, body) {
  try {
    const result = await api('POST', path, body);
    say(`${t('done')}: ${JSON.stringify(result)}`);
    await refresh();
  } catch (err) {
    say(err.message);
  }
}

const when = (iso) => (iso ? new Date(iso).toLocaleString(language === 'vi' ? 'vi-VN' : 'en-GB') : '-');
const age = (seconds) => (seconds === null ? '-' : seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`);

async function renderQueues() {
  const { destinations } = await api('GET', '/queues');
  const body = $('[data-testid=queues] tbody');
  body.replaceChildren(
    ...destinations.map((d) =>
      row([
        d.destination, cell(d.deadLetters.count, d.deadLetters.count ? 'dead' : ''), age(d.deadLetters.oldestAgeSeconds),
        d.counts.waiting + d.counts.prioritized, d.counts.delayed, d.counts.active, d.counts.completed,
        `${d.lastMinutes.finished} / ${d.lastMinutes.dead}`,
        cell(d.circuits.map((c) => t(c.state)).join(', ') || '-', d.circuits.some((c) => c.state !== 'closed') ? 'dead' : ''),
        d.paused ? t('yes') : t('no'),
        button(d.paused ? t('resume') : t('pause'), d.paused ? 'resume' : 'pause', () => {
          const reason = reasonOrWarn();
          if (reason) act(`/destinations/${encodeURIComponent(d.destination)}/${d.paused ? 'resume' : 'pause'}`, { reason });
        }),
      ]),
    ),
  );
}

async function renderDeadLetters() {
  const { deadLetters } = await api('GET', '/dead-letters?limit=1000');
  const groups = new Map();
  for (const d of deadLetters) {
    const key = `${d.destination} · ${d.errorCode}${d.statusCode ? ` · HTTP ${d.statusCode}` : ''}`;
    if (!groups.has(key)) groups.set(key, { destination: d.destination, errorCode: d.errorCode, statusCode: d.statusCode ?? 'none', letters: [] });
    groups.get(key).letters.push(d);
  }
  const container = $('#groups');
  if (groups.size === 0) {
    container.replaceChildren(Object.assign(document.createElement('p'), { textContent: t('none') }));
    return;
  }
  container.replaceChildren(
    ...[...groups].map(([key, group]) => {
      const section = document.createElement('div');
      section.className = 'group';
      section.dataset.testid = 'dead-letter-group';
      const heading = document.createElement('h3');
      heading.append(`${key} — ${group.letters.length}`, button(t('retryGroup'), 'retry-group', () => {
        const reason = reasonOrWarn();
        if (reason) act('/dead-letters/retry', { destination: group.destination, errorCode: group.errorCode, statusCode: group.statusCode, reason });
      }));
      const table = document.createElement('table');
      table.append(row([t('message'), t('partner'), t('dossier'), t('attempts'), t('failedAt'), t('lastError'), '']));
      for (const d of group.letters) {
        const actions = document.createElement('td');
        actions.append(
          button(t('retry'), 'retry', () => {
            const reason = reasonOrWarn();
            if (reason) act(`/dead-letters/${d.messageId}/retry`, { reason });
          }),
          button(t('discard'), 'discard', () => {
            const reason = reasonOrWarn();
            if (reason) act(`/dead-letters/${d.messageId}/discard`, { reason });
          }),
        );
        const tr = row([d.messageId, d.partner, d.dossierCode, d.attempts, when(d.failedAt), cell(d.reason, 'reason-text'), actions]);
        tr.dataset.testid = 'dead-letter';
        tr.dataset.messageId = d.messageId;
        table.append(tr);
      }
      const scroll = document.createElement('div');
      scroll.className = 'scroll';
      scroll.append(table);
      section.append(heading, scroll);
      return section;
    }),
  );
}

// Payments a bank flagged (debited but suspect, reversed, suspected fraud): an operator decides paid or failed.
async function renderReviews() {
  let payments;
  try {
    ({ payments } = await api('GET', '/payments?status=needs-review'));
  } catch {
    $('#reviews-section').hidden = true; // no payment providers in this gateway
    return;
  }
  $('[data-testid=no-reviews]').hidden = payments.length > 0;
  $('[data-testid=reviews] tbody').replaceChildren(
    ...payments.map((p) => {
      const actions = document.createElement('td');
      for (const outcome of ['paid', 'failed']) {
        actions.append(
          button(t(outcome === 'paid' ? 'markPaid' : 'markFailed'), `review-${outcome}`, () => {
            const reason = reasonOrWarn();
            if (reason) act(`/payments/${encodeURIComponent(p.paymentId)}/review`, { outcome, reason });
          }),
        );
      }
      const codes = Object.entries(p.providerCodes ?? {}).map(([k, v]) => `${k.replace('vnp_', '')}=${v}`).join(' ');
      const tr = row([p.paymentId, p.dossierCode, p.amount.toLocaleString(language === 'vi' ? 'vi-VN' : 'en-GB'), cell(t(p.review?.reason), 'dead'), codes, when(p.review?.flaggedAt), actions]);
      tr.dataset.testid = 'review';
      tr.dataset.paymentId = p.paymentId;
      return tr;
    }),
  );
}

async function renderTimeline(dossierCode) {
  const { messages } = await api('GET', `/dossiers/${encodeURIComponent(dossierCode)}/timeline`);
  $('[data-testid=timeline] tbody').replaceChildren(
    ...messages.map((m) => {
      const tr = row([when(m.receivedAt), m.messageId, m.destination, m.state, m.attempts, when(m.nextAttemptAt), cell(m.lastError, 'reason-text')]);
      tr.dataset.testid = 'timeline-row';
      tr.dataset.state = m.state;
      return tr;
    }),
  );
}

async function refresh() {
  await Promise.all([renderQueues(), renderReviews(), renderDeadLetters()]);
  const dossier = $('#dossier').value.trim();
  if (dossier) await renderTimeline(dossier);
}

async function start() {
  try {
    await refresh();
    $('#app').hidden = false;
    $('#login').hidden = true;
    say(t('signedIn'));
  } catch {
    sessionStorage.removeItem('token');
    say(t('badToken'));
  }
}

$('#login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem('token', $('#token').value);
  start();
});
$('#timeline-form').addEventListener('submit', (event) => {
  event.preventDefault();
  renderTimeline($('#dossier').value.trim()).catch((err) => say(err.message));
});
$('#refresh').addEventListener('click', () => refresh().catch((err) => say(err.message)));
$('#language').addEventListener('click', () => {
  language = language === 'vi' ? 'en' : 'vi';
  sessionStorage.setItem('language', language);
  applyLanguage();
  if (!$('#app').hidden) refresh();
});
applyLanguage();
if (sessionStorage.getItem('token')) start();
