/** Retries an assertion until it passes or the time is up (for effects that arrive async). */
export async function eventually(
  assertion: () => Promise<void> | void,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
