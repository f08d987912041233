import type { Context } from '../lib/context.ts';
export async function postgres(_ctx: Context): Promise<void> {}
