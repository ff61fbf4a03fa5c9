/**
 * Keeps the gateway's modem intake running beside `serve` (config.json `modem`): a modem that is
 * missing, answers its setup with an error or goes away is logged and retried with backoff
 * (modemRetryMinMs doubling to modemRetryMaxMs); it never stops serving. A store that cannot serve
 * for now (503) is retried the same way (the message stays on the SIM and is swept again); any other
 * store failure inside the intake stops it for good (fail-stop; the message stays on the SIM) and is
 * logged.
 */
import type { Logger } from 'pino';
import type { GatewayStore } from '../store/types.ts';
import { ModemIntake, type ModemIntakeOptions } from './modem-intake.ts';

export const modemRetryMinMs = 1_000;
export const modemRetryMaxMs = 60_000;

export interface ModemSupervisorOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly store: Pick<GatewayStore, 'getAgent' | 'putCheckpoint' | 'entries' | 'recordFork'>;
  readonly logger: Logger;
  readonly onCheckpoint?: ModemIntakeOptions['onCheckpoint'];
}

export class ModemSupervisor {
  private intake: ModemIntake | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private delayMs = modemRetryMinMs;
  private running: Promise<void> | undefined;

  constructor(private readonly options: ModemSupervisorOptions) {}

  /** Starts trying; returns at once (the first attempt runs in the background). */
  start(): void {
    this.attempt();
  }

  private attempt(): void {
    if (this.stopped) return;
    const { logger, path } = this.options;
    const intake = new ModemIntake({
      ...this.options,
      onLost: (error) => {
        logger.warn({ path, reason: error.message }, 'gateway modem lost; retrying');
        this.retry(intake);
      },
    });
    this.intake = intake;
    this.running = intake.start().then(
      () => {
        this.delayMs = modemRetryMinMs;
        logger.info({ path }, 'gateway modem intake started');
      },
      (error: unknown) => {
        logger.warn({ path, reason: (error as Error).message, retryInMs: this.delayMs }, 'gateway modem unavailable');
        this.retry(intake);
      },
    );
  }

  private retry(intake: ModemIntake): void {
    if (this.stopped || this.intake !== intake || this.timer !== undefined) return;
    void intake.stop().catch(() => undefined);
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, modemRetryMaxMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempt();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
    await this.intake?.stop().catch(() => undefined);
  }
}
