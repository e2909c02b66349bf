// The hosted escrow page's words, Vietnamese first, English second. Keyed by the lifecycle's
// own names (statuses, timers, actions), so a new timer or status without its words is a type
// error here, and test/api/escrow-pages.test.ts checks every timer has both texts.
import type { Action, EscrowStatus, ItemStatus, Timer } from '../../domain/lifecycle.js';

export const LANGS = ['vi', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export type Text = Record<Lang, string>;

/** `?lang=`, then the `lang` cookie, then Accept-Language (English only when asked first). */
export function pickLang(query?: string, cookie?: string, acceptLanguage?: string): Lang {
  for (const candidate of [query, cookie]) {
    if (candidate === 'vi' || candidate === 'en') return candidate;
  }
  const first = acceptLanguage
    ?.split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((entry) => entry.tag && !Number.isNaN(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q)
    .find((entry) => entry.tag.startsWith('vi') || entry.tag.startsWith('en'));
  return first?.tag.startsWith('en') ? 'en' : 'vi';
}

export const STATUS_TEXT: Record<EscrowStatus, Text> = {
  awaiting_payment: { vi: 'Chờ thanh toán', en: 'Awaiting payment' },
  funded: {
    vi: 'Đã thanh toán, chờ người bán gửi hàng',
    en: 'Paid, waiting for the seller to ship',
  },
  shipped: { vi: 'Đang giao hàng', en: 'On its way' },
  delivered: {
    vi: 'Đã giao, người mua đang kiểm tra hàng',
    en: 'Delivered, the buyer is inspecting',
  },
  disputed: { vi: 'Đang khiếu nại', en: 'In dispute' },
  returning: { vi: 'Đang trả hàng', en: 'Being returned' },
  released: { vi: 'Đã thanh toán cho người bán', en: 'Paid to the seller' },
  refunded: { vi: 'Đã hoàn tiền cho người mua', en: 'Refunded to the buyer' },
  split: { vi: 'Đã chia tiền giữa hai bên', en: 'Split between buyer and seller' },
  cancelled: { vi: 'Đã hủy', en: 'Cancelled' },
  expired: { vi: 'Hết hạn thanh toán', en: 'Expired unpaid' },
};

export const ITEM_STATUS_TEXT: Record<ItemStatus, Text> = {
  awaiting: { vi: 'Chưa giao', en: 'Not delivered yet' },
  in_progress: { vi: 'Đang thực hiện', en: 'In progress' },
  inspecting: { vi: 'Đang kiểm tra', en: 'Under inspection' },
  disputed: { vi: 'Đang khiếu nại', en: 'Disputed' },
  rejected: { vi: 'Bị từ chối, chờ gửi trả', en: 'Rejected, to be sent back' },
  returning: { vi: 'Đang gửi trả', en: 'Being returned' },
  released: { vi: 'Đã thanh toán cho người bán', en: 'Paid to the seller' },
  refunded: { vi: 'Đã hoàn tiền', en: 'Refunded' },
  split: { vi: 'Đã chia tiền', en: 'Split' },
  cancelled: { vi: 'Đã hủy', en: 'Cancelled' },
};

/** Each timer: its name, and what happens when it passes (TIMER_RULES[timer].description). */
export const TIMER_TEXT: Record<Timer, { name: Text; onExpiry: Text }> = {
  paymentWindow: {
    name: { vi: 'Hạn thanh toán', en: 'Payment deadline' },
    onExpiry: {
      vi: 'Nếu chưa thanh toán: giao dịch hết hạn, không có tiền nào được chuyển.',
      en: 'If unpaid: the escrow expires and no money moves.',
    },
  },
  shippingWindow: {
    name: { vi: 'Hạn gửi hàng', en: 'Shipping deadline' },
    onExpiry: {
      vi: 'Nếu người bán chưa gửi hàng: người mua được hoàn tiền toàn bộ.',
      en: 'If the seller has not shipped: the buyer gets a full refund.',
    },
  },
  deliveryWindow: {
    name: { vi: 'Hạn giao hàng', en: 'Delivery deadline' },
    onExpiry: {
      vi: 'Nếu chưa có xác nhận giao hàng: coi như đã giao, thời gian kiểm tra hàng bắt đầu.',
      en: 'If no delivery is reported: treated as delivered, the inspection starts.',
    },
  },
  inspectionWindow: {
    name: { vi: 'Hạn kiểm tra hàng', en: 'Inspection deadline' },
    onExpiry: {
      vi: 'Nếu người mua không phản hồi: tiền của món hàng được chuyển cho người bán.',
      en: "If the buyer stays silent: the item's money is released to the seller.",
    },
  },
  sellerResponseWindow: {
    name: { vi: 'Hạn người bán trả lời khiếu nại', en: "Seller's reply deadline" },
    onExpiry: {
      vi: 'Nếu người bán không trả lời: người mua thắng, phần tiền bị khiếu nại được hoàn lại.',
      en: 'If the seller stays silent: the buyer wins, the disputed part is refunded.',
    },
  },
  opsDecisionSla: {
    name: { vi: 'Hạn quyết định của trọng tài', en: "Arbiter's decision deadline" },
    onExpiry: {
      vi: 'Nếu chưa có quyết định: khiếu nại được chuyển lên bộ phận xử lý và vẫn mở.',
      en: 'If no decision is made in time: it is escalated, the dispute stays open.',
    },
  },
  returnShippingWindow: {
    name: { vi: 'Hạn gửi trả hàng', en: 'Return shipping deadline' },
    onExpiry: {
      vi: 'Nếu người mua không gửi trả: việc từ chối hết hiệu lực, tiền được chuyển cho người bán.',
      en: 'If the buyer does not send the return: the rejection lapses, the items are paid to the seller.',
    },
  },
  returnInspectionWindow: {
    name: { vi: 'Hạn người bán kiểm tra hàng trả', en: 'Return inspection deadline' },
    onExpiry: {
      vi: 'Nếu người bán không phản hồi: coi như đã nhận hàng trả, người mua được hoàn tiền.',
      en: 'If the seller stays silent: the return counts as received, the items are refunded.',
    },
  },
};

/** Each action as a button and a line of help. */
export const ACTION_TEXT: Record<Action, { label: Text; help: Text }> = {
  markShipped: {
    label: { vi: 'Xác nhận đã gửi hàng', en: 'Mark as shipped' },
    help: {
      vi: 'Nhập hãng vận chuyển và mã vận đơn.',
      en: 'Enter the carrier and tracking number.',
    },
  },
  markDelivered: {
    label: { vi: 'Xác nhận đã giao', en: 'Mark as delivered' },
    help: { vi: 'Thời gian kiểm tra hàng bắt đầu.', en: 'The inspection starts.' },
  },
  accept: {
    label: { vi: 'Xác nhận đã nhận hàng', en: 'Confirm receipt' },
    help: {
      vi: 'Tiền của các món đã chọn (tất cả nếu không chọn) được chuyển cho người bán ngay.',
      en: 'The money of the chosen items (all when none is chosen) goes to the seller now.',
    },
  },
  extendInspection: {
    label: { vi: 'Gia hạn kiểm tra hàng', en: 'Extend the inspection' },
    help: { vi: 'Chỉ được gia hạn một lần.', en: 'Only once.' },
  },
  deliverMilestone: {
    label: { vi: 'Bàn giao giai đoạn', en: 'Deliver the milestone' },
    help: {
      vi: 'Người mua bắt đầu kiểm tra giai đoạn hiện tại.',
      en: 'The buyer starts inspecting the current milestone.',
    },
  },
  openDispute: {
    label: { vi: 'Khiếu nại', en: 'Open a dispute' },
    help: {
      vi: 'Chỉ phần tiền của các món đã chọn (tất cả nếu không chọn) bị tạm giữ; các món khác vẫn tiếp tục.',
      en: 'Only the chosen items (all when none is chosen) are frozen; the others go on.',
    },
  },
  respondToDispute: {
    label: { vi: 'Trả lời khiếu nại', en: 'Answer the dispute' },
    help: { vi: 'Chỉ được trả lời một lần.', en: 'Once only.' },
  },
  resolveDispute: {
    label: { vi: 'Giải quyết khiếu nại', en: 'Resolve the dispute' },
    help: { vi: '', en: '' },
  },
  reject: {
    label: { vi: 'Từ chối và trả hàng', en: 'Reject and return' },
    help: {
      vi: 'Các món đã chọn (tất cả đang kiểm tra nếu không chọn) sẽ được gửi trả người bán.',
      en: 'The chosen items (all under inspection when none is chosen) are to be sent back.',
    },
  },
  markReturnShipped: {
    label: { vi: 'Xác nhận đã gửi trả', en: 'Mark the return as sent' },
    help: {
      vi: 'Nhập hãng vận chuyển và mã vận đơn.',
      en: 'Enter the carrier and tracking number.',
    },
  },
  confirmReturn: {
    label: { vi: 'Xác nhận đã nhận hàng trả', en: 'Confirm the return' },
    help: {
      vi: 'Người mua được hoàn tiền các món này.',
      en: 'The buyer is refunded for these items.',
    },
  },
  disputeReturn: {
    label: { vi: 'Khiếu nại hàng trả', en: 'Dispute the return' },
    help: {
      vi: 'Hàng trả không đúng như đã gửi: trọng tài sẽ quyết định.',
      en: 'The return is not as sent: an arbiter decides.',
    },
  },
  cancel: {
    label: { vi: 'Hủy giao dịch', en: 'Cancel' },
    help: { vi: '', en: '' },
  },
  retryPayout: { label: { vi: 'Thử lại chi trả', en: 'Retry payout' }, help: { vi: '', en: '' } },
  retryRefund: { label: { vi: 'Thử lại hoàn tiền', en: 'Retry refund' }, help: { vi: '', en: '' } },
};

/** The event log's types; an unknown one shows its own name. */
export const EVENT_TEXT: Record<string, Text> = {
  created: { vi: 'Giao dịch được tạo', en: 'Escrow created' },
  payment_confirmed: { vi: 'Đã nhận thanh toán', en: 'Payment received' },
  payment_rejected: { vi: 'Thanh toán bị từ chối', en: 'Payment refused' },
  expired: { vi: 'Hết hạn thanh toán', en: 'Payment window expired' },
  cancelled: { vi: 'Đã hủy', en: 'Cancelled' },
  cancelled_after_funding: { vi: 'Đã hủy sau khi thanh toán', en: 'Cancelled after payment' },
  shipped: { vi: 'Người bán đã gửi hàng', en: 'Seller shipped' },
  shipping_window_elapsed: { vi: 'Quá hạn gửi hàng', en: 'Shipping deadline passed' },
  delivered: { vi: 'Đã giao hàng', en: 'Delivered' },
  milestone_started: { vi: 'Bắt đầu giai đoạn', en: 'Milestone started' },
  milestone_delivered: { vi: 'Đã bàn giao giai đoạn', en: 'Milestone delivered' },
  inspection_extended: { vi: 'Đã gia hạn kiểm tra', en: 'Inspection extended' },
  inspection_elapsed: { vi: 'Hết thời gian kiểm tra', en: 'Inspection window ended' },
  accepted: { vi: 'Người mua xác nhận đã nhận hàng', en: 'Buyer confirmed receipt' },
  dispute_opened: { vi: 'Người mua mở khiếu nại', en: 'Dispute opened' },
  dispute_responded: { vi: 'Người bán đã trả lời khiếu nại', en: 'Seller answered the dispute' },
  dispute_escalated: { vi: 'Khiếu nại được chuyển lên', en: 'Dispute escalated' },
  dispute_resolved: { vi: 'Khiếu nại đã được giải quyết', en: 'Dispute resolved' },
  dispute_message: { vi: 'Tin nhắn khiếu nại mới', en: 'Dispute message' },
  seller_response_elapsed: {
    vi: 'Người bán không trả lời kịp',
    en: 'Seller did not answer in time',
  },
  rejected: { vi: 'Người mua từ chối hàng', en: 'Buyer rejected items' },
  return_shipped: { vi: 'Người mua đã gửi trả hàng', en: 'Return sent' },
  return_received: { vi: 'Người bán đã nhận hàng trả', en: 'Return received' },
  return_receipt_assumed: { vi: 'Coi như đã nhận hàng trả', en: 'Return receipt assumed' },
  return_lapsed: { vi: 'Quá hạn gửi trả hàng', en: 'Return not sent in time' },
  funds_released: { vi: 'Tiền được chuyển cho người bán', en: 'Money released to the seller' },
  funds_refunded: { vi: 'Tiền được hoàn cho người mua', en: 'Money refunded to the buyer' },
  payout_started: { vi: 'Bắt đầu chi trả', en: 'Payout started' },
  payout_pending: { vi: 'Đang chờ chi trả', en: 'Payout pending' },
  payout_succeeded: { vi: 'Đã chi trả cho người bán', en: 'Seller paid out' },
  payout_failed: { vi: 'Chi trả thất bại', en: 'Payout failed' },
  payout_retry_requested: { vi: 'Yêu cầu chi trả lại', en: 'Payout retry requested' },
  refund_started: { vi: 'Bắt đầu hoàn tiền', en: 'Refund started' },
  refund_pending: { vi: 'Đang chờ hoàn tiền', en: 'Refund pending' },
  refund_succeeded: { vi: 'Đã hoàn tiền', en: 'Refund completed' },
  refund_failed: { vi: 'Hoàn tiền thất bại', en: 'Refund failed' },
  refund_retry_requested: { vi: 'Yêu cầu hoàn tiền lại', en: 'Refund retry requested' },
  attention_flagged: { vi: 'Chuyển bộ phận hỗ trợ xem xét', en: 'Flagged for support' },
};

export const eventText = (type: string, lang: Lang): string =>
  EVENT_TEXT[type]?.[lang] ?? type.replaceAll('_', ' ');

/** Everything else on the page. */
export const UI = {
  title: { vi: 'Giao dịch ký quỹ', en: 'Escrow' },
  youAreBuyer: { vi: 'Bạn là người mua', en: 'You are the buyer' },
  youAreSeller: { vi: 'Bạn là người bán', en: 'You are the seller' },
  status: { vi: 'Trạng thái', en: 'Status' },
  total: { vi: 'Tổng tiền', en: 'Total' },
  money: { vi: 'Tiền', en: 'Money' },
  held: { vi: 'Đang giữ', en: 'Held' },
  frozen: { vi: 'Tạm giữ do khiếu nại', en: 'Frozen by a dispute' },
  releasable: { vi: 'Có thể chuyển cho người bán', en: 'Releasable' },
  released: { vi: 'Đã chuyển cho người bán', en: 'Released to the seller' },
  refunded: { vi: 'Đã hoàn cho người mua', en: 'Refunded to the buyer' },
  deadlines: { vi: 'Thời hạn', en: 'Deadlines' },
  noDeadlines: { vi: 'Không có thời hạn nào đang chạy.', en: 'No deadline is running.' },
  due: { vi: 'hạn', en: 'due' },
  passed: { vi: 'đã hết hạn', en: 'passed' },
  items: { vi: 'Các món hàng', en: 'Items' },
  item: { vi: 'Món hàng', en: 'Item' },
  amount: { vi: 'Số tiền', en: 'Amount' },
  quantity: { vi: 'Số lượng', en: 'Quantity' },
  itemDeadline: { vi: 'Hạn', en: 'Deadline' },
  actions: { vi: 'Bạn có thể làm gì', en: 'What you can do' },
  noActions: {
    vi: 'Hiện tại bạn không cần làm gì.',
    en: 'Nothing for you to do right now.',
  },
  timeline: { vi: 'Lịch sử', en: 'Timeline' },
  carrier: { vi: 'Hãng vận chuyển', en: 'Carrier' },
  trackingNumber: { vi: 'Mã vận đơn', en: 'Tracking number' },
  reason: { vi: 'Lý do', en: 'Reason' },
  details: { vi: 'Chi tiết', en: 'Details' },
  message: { vi: 'Nội dung trả lời', en: 'Your answer' },
  chooseItems: { vi: 'Chọn món hàng', en: 'Choose items' },
  evidence: { vi: 'Bằng chứng', en: 'Evidence' },
  noMessages: { vi: 'Chưa có tin nhắn nào.', en: 'No messages yet.' },
  addMessage: { vi: 'Gửi tin nhắn và bằng chứng', en: 'Send a message and evidence' },
  messageText: { vi: 'Tin nhắn', en: 'Message' },
  files: {
    vi: 'Tệp đính kèm (ảnh JPEG, PNG, WebP hoặc PDF)',
    en: 'Files (JPEG, PNG, WebP images or PDF)',
  },
  filesHelp: {
    vi: 'Tối đa {size} mỗi tệp, {count} tệp cho mỗi khiếu nại.',
    en: 'At most {size} per file, {count} files per dispute.',
  },
  send: { vi: 'Gửi', en: 'Send' },
  messageSent: { vi: 'Đã gửi tin nhắn', en: 'Message sent' },
  download: { vi: 'Tải về', en: 'Download' },
  outcome: { vi: 'Kết quả', en: 'Outcome' },
  outcomeRelease: { vi: 'Chuyển toàn bộ cho người bán', en: 'Released to the seller' },
  outcomeRefund: { vi: 'Hoàn toàn bộ cho người mua', en: 'Refunded to the buyer' },
  outcomeSplit: { vi: 'Chia tiền giữa hai bên', en: 'Split between buyer and seller' },
  toSeller: { vi: 'Người bán nhận', en: 'Seller receives' },
  toBuyer: { vi: 'Người mua được hoàn', en: 'Buyer gets back' },
  dispute: { vi: 'Khiếu nại', en: 'Dispute' },
  sellerAnswer: { vi: 'Người bán trả lời', en: "Seller's answer" },
  language: { vi: 'Ngôn ngữ', en: 'Language' },
  reference: { vi: 'Mã đơn hàng', en: 'Order reference' },
  done: { vi: 'Đã ghi nhận', en: 'Done' },
} satisfies Record<string, Text>;

/** Who wrote a dispute message. */
export const AUTHOR_TEXT: Record<string, Text> = {
  buyer: { vi: 'Người mua', en: 'Buyer' },
  seller: { vi: 'Người bán', en: 'Seller' },
  platform: { vi: 'Cửa hàng', en: 'The shop' },
  ops: { vi: 'Bộ phận hỗ trợ', en: 'Support' },
};

export const DISPUTE_REASONS: ReadonlyArray<{ value: string; text: Text }> = [
  { value: 'not_as_described', text: { vi: 'Không đúng mô tả', en: 'Not as described' } },
  { value: 'damaged', text: { vi: 'Hàng bị hư hỏng', en: 'Damaged' } },
  { value: 'wrong_item', text: { vi: 'Giao sai hàng', en: 'Wrong item' } },
  { value: 'not_received', text: { vi: 'Chưa nhận được hàng', en: 'Not received' } },
  { value: 'other', text: { vi: 'Lý do khác', en: 'Other' } },
];

/** Why an action or a visit was refused, in the page's language. */
export const REFUSAL = {
  csrf: {
    vi: 'Biểu mẫu đã hết hiệu lực. Vui lòng tải lại trang và thử lại.',
    en: 'This form has expired. Reload the page and try again.',
  },
  notAllowedNow: {
    vi: 'Hành động này không còn được phép lúc này (trạng thái hiện tại: {status}).',
    en: 'This is not allowed right now (current status: {status}).',
  },
  forbidden: {
    vi: 'Bạn không được phép thực hiện hành động này.',
    en: 'You may not do this.',
  },
  invalid: {
    vi: 'Yêu cầu không hợp lệ. Vui lòng kiểm tra: {fields}.',
    en: 'The request is not valid. Please check: {fields}.',
  },
  invalidArgument: {
    vi: 'Yêu cầu không hợp lệ với giao dịch này: {detail}',
    en: 'Not valid for this escrow: {detail}',
  },
  unavailable: {
    vi: 'Hệ thống đang bận. Vui lòng thử lại sau ít phút.',
    en: 'The service is busy. Please try again in a few minutes.',
  },
  unknownAction: { vi: 'Không có hành động này.', en: 'No such action.' },
  expiredTitle: { vi: 'Liên kết đã hết hạn', en: 'This link has expired' },
  expired: {
    vi: 'Vui lòng yêu cầu cửa hàng gửi cho bạn một liên kết mới.',
    en: 'Ask the shop to send you a new link.',
  },
  invalidTitle: { vi: 'Liên kết không hợp lệ', en: 'This link is not valid' },
  invalidLink: {
    vi: 'Vui lòng mở trang bằng liên kết cửa hàng đã gửi cho bạn.',
    en: 'Open the page with the link the shop sent you.',
  },
  wrongEscrowTitle: { vi: 'Không thể mở giao dịch này', en: 'This escrow cannot be opened' },
  wrongEscrow: {
    vi: 'Liên kết của bạn dành cho một giao dịch khác.',
    en: 'Your link is for another escrow.',
  },
  fileTooLarge: {
    vi: 'Tệp "{file}" quá lớn ({size}); mỗi tệp tối đa {max}.',
    en: 'File "{file}" is too large ({size}); each file may be at most {max}.',
  },
  notSentTitle: { vi: 'Không gửi được', en: 'Not sent' },
  formTooLarge: {
    vi: 'Biểu mẫu quá lớn. Mỗi tệp tối đa {max}; hãy gửi ít tệp hơn mỗi lần.',
    en: 'This form is too large. Each file may be at most {max}; send fewer files at a time.',
  },
  fileType: {
    vi: 'Tệp "{file}" không phải ảnh JPEG, PNG, WebP hay tài liệu PDF nên không được nhận.',
    en: 'File "{file}" is not a JPEG, PNG or WebP image or a PDF, so it was not taken.',
  },
  tooManyFiles: {
    vi: 'Khiếu nại đã có {stored} tệp; mỗi khiếu nại tối đa {max} tệp.',
    en: 'The dispute holds {stored} files already; a dispute takes at most {max}.',
  },
  noDispute: {
    vi: 'Giao dịch này không có khiếu nại nên không nhận tin nhắn.',
    en: 'This escrow has no dispute, so it takes no messages.',
  },
  emptyMessage: {
    vi: 'Vui lòng nhập tin nhắn hoặc đính kèm ít nhất một tệp.',
    en: 'Write a message or attach at least one file.',
  },
  fileNotFound: { vi: 'Không tìm thấy tệp này.', en: 'No such file.' },
  disputeFilesFailed: {
    vi: 'Đã mở khiếu nại, nhưng tệp đính kèm không được nhận: {why}',
    en: 'The dispute is open, but its files were not taken: {why}',
  },
  notFoundTitle: { vi: 'Không tìm thấy giao dịch', en: 'Escrow not found' },
  notFound: { vi: 'Giao dịch này không tồn tại.', en: 'This escrow does not exist.' },
} satisfies Record<string, Text>;

export const FIELD_TEXT: Record<string, Text> = {
  carrier: UI.carrier,
  trackingNumber: UI.trackingNumber,
  reason: UI.reason,
  details: UI.details,
  message: UI.message,
  items: UI.chooseItems,
  amount: UI.amount,
};

export const fill = (template: string, values: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
