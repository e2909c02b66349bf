/**
 * Work the sandbox does outside a request (IPN retries) or while holding one (injected delays):
 * all of it is tracked and cut short by stop(), so a stopped sandbox leaves nothing running.
 */
export class Background {
  private readonly controller = new AbortController();
  private readonly tasks = new Set<Promise<void>>();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** Runs the task without awaiting it; its failure is handed to onError, never unhandled. */
  run(task: () => Promise<void>, onError: (error: unknown) => void): void {
    const promise = task()
      .catch(onError)
      .finally(() => this.tasks.delete(promise));
    this.tasks.add(promise);
  }

  /** Resolves after ms, or early (false) when the sandbox stops. */
  sleep(ms: number): Promise<boolean> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled([...this.tasks]);
  }
}
