/** Whose objects a caller may see: one merchant, in the mode of the key it used (test or live). */
export interface MerchantScope {
  merchantId: string;
  livemode: boolean;
}

export const modeFlag = (scope: MerchantScope): number => (scope.livemode ? 1 : 0);

/** The row when it belongs to the scope (its merchant, in its mode), else null. */
export function inScope<T extends { merchant_id: string; livemode: number }>(row: T | null, scope: MerchantScope): T | null {
  return row && row.merchant_id === scope.merchantId && row.livemode === modeFlag(scope) ? row : null;
}
