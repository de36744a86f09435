/** jest's globalTeardown: removes the run's temp folder (global-setup.ts). */
export default function globalTeardown(): void {
  (globalThis as { removeRunTempFolder?: () => void }).removeRunTempFolder?.();
}
