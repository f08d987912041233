/** Whose objects a caller may see: one merchant, in the mode of the key it used (test or live). */
export interface MerchantScope {
  merchantId: string;
  livemode: boolean;
}

export const modeFlag = (scope: MerchantScope): number => (scope.livemode ? 1 : 0);
