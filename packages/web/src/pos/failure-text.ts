/** The wallet's reason for a failed or closed payment, in words a cashier can say to the buyer. */
const FAILURE_TEXT: Record<string, string> = {
  insufficient_balance: 'The buyer\'s wallet does not have enough money. Ask for another payment method.',
  invalid_barcode: 'The wallet did not accept this payment code. Ask the buyer to refresh the code in the app and scan again.',
  barcode_expired: 'The payment code has expired. Ask the buyer to refresh the code in the app and scan again.',
  payment_rejected: 'The wallet declined the payment. The buyer can check the reason in the wallet app.',
  payment_cancelled: 'The payment was cancelled: the buyer was not charged.',
  payment_expired: 'The buyer did not pay in time: the payment expired and the buyer was not charged.',
  failed_processing: 'The wallet could not process the payment. Try again in a moment.',
};

export function failureText(code: string | null, message: string | null): string {
  if (code && FAILURE_TEXT[code]) return FAILURE_TEXT[code]!;
  return message ?? 'The payment did not go through.';
}
