/**
 * The running protocol adapters. Starting builds the adapter from its factory with the row's
 * port and settings; a failure to bind (port in use, bad address) becomes a ControlError that
 * names the field, and nothing is left half-started.
 */
import { ADAPTER_ERROR_LENGTH_MAX, type AdapterError } from "@dittofs/shared";
import type { Logger } from "pino";
import { ControlError } from "../control/errors.ts";
import type { AdapterStatus } from "../control/runtime-control.ts";
import type { AdapterRecord } from "../control/store/types.ts";
import type { ClientRegistry } from "../domain/clients.ts";
import { KeyedSerial } from "../domain/keyed-serial.ts";
import type { AdapterContext, AdapterSettings, ProtocolAdapter } from "../protocols/adapter.ts";
import type { AdapterRegistry } from "./adapter-registry.ts";
import { errorText } from "./failures.ts";

export interface AdapterManagerOptions {
  factories: AdapterRegistry;
  context: AdapterContext;
  logger: Logger;
  /** Address adapters bind unless their settings say otherwise. */
  host: string;
  /** When set, every adapter binds this port instead of its row's (0 in tests). */
  portOverride?: number;
  /** Each adapter's view of the connected clients, forgotten when it stops (runtime/clients.ts). */
  clients?: AdapterClients;
}

interface AdapterClients {
  forAdapter(type: string): ClientRegistry;
  removeAdapter(type: string): void;
}

interface Running {
  adapter: ProtocolAdapter;
  since: Date;
}

export class AdapterManager {
  readonly #running = new Map<string, Running>();
  /** The latest start failure per type, shown in the status until a start succeeds. */
  readonly #errors = new Map<string, AdapterError>();
  /** Serializes start/stop per adapter type so concurrent clicks cannot double-bind. */
  readonly #pending = new KeyedSerial();
  readonly #opts: AdapterManagerOptions;

  constructor(opts: AdapterManagerOptions) {
    this.#opts = opts;
  }

  isRunning(type: string): boolean {
    return this.#running.has(type);
  }

  hasFactory(type: string): boolean {
    return Object.hasOwn(this.#opts.factories, type);
  }

  runningTypes(): string[] {
    return [...this.#running.keys()];
  }

  start(record: AdapterRecord): Promise<void> {
    return this.#serialize(record.type, () => this.#start(record));
  }

  stop(type: string): Promise<void> {
    return this.#serialize(type, () => this.#stop(type));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.runningTypes().map((type) => this.stop(type)));
  }

  status(record: AdapterRecord): AdapterStatus {
    const running = this.#running.get(record.type);
    return {
      type: record.type,
      running: running !== undefined,
      port: running?.adapter.port ?? record.port,
      since: running?.since ?? null,
      connections: running?.adapter.connectionCount() ?? 0,
      error: this.#errors.get(record.type) ?? null,
    };
  }

  /** The adapter row is gone: nothing to report about it any more. */
  forget(type: string): void {
    this.#errors.delete(type);
  }

  async #start(record: AdapterRecord): Promise<void> {
    if (this.#running.has(record.type)) return;
    try {
      await this.#bind(record);
      this.#errors.delete(record.type);
    } catch (err) {
      const message = errorText(err).slice(0, ADAPTER_ERROR_LENGTH_MAX);
      this.#errors.set(record.type, { message, at: new Date() });
      this.#opts.logger.error({ adapter: record.type, err: message }, "adapter did not start");
      throw err;
    }
  }

  async #bind(record: AdapterRecord): Promise<void> {
    const factory = this.hasFactory(record.type) ? this.#opts.factories[record.type] : undefined;
    if (factory === undefined) {
      throw new ControlError("INVALID", `type: no ${record.type} adapter is built into this daemon`, "type");
    }
    const settings: AdapterSettings = {
      ...record.settings,
      host: typeof record.settings.host === "string" ? record.settings.host : this.#opts.host,
      port: this.#opts.portOverride ?? record.port,
    };
    const logger = this.#opts.logger.child({ adapter: record.type });
    let adapter: ProtocolAdapter;
    try {
      const clients = this.#opts.clients?.forAdapter(record.type) ?? this.#opts.context.clients;
      adapter = factory(settings, { ...this.#opts.context, logger, clients });
    } catch (err) {
      throw new ControlError(
        "INVALID",
        `settings: ${record.type} refused its settings: ${errorText(err)}`,
        "settings",
      );
    }
    try {
      await adapter.serve();
    } catch (err) {
      await adapter.stop().catch(() => undefined);
      const where = `${settings.host}:${settings.port}`;
      throw new ControlError(
        "INVALID",
        `port: cannot start ${record.type} on ${where}: ${errorText(err)}`,
        "port",
      );
    }
    this.#running.set(record.type, { adapter, since: new Date() });
    logger.info({ port: adapter.port, host: settings.host }, "adapter started");
  }

  async #stop(type: string): Promise<void> {
    const running = this.#running.get(type);
    if (running === undefined) return;
    this.#running.delete(type);
    try {
      await running.adapter.stop();
    } finally {
      this.#opts.clients?.removeAdapter(type);
      this.#opts.logger.info({ adapter: type }, "adapter stopped");
    }
  }

  #serialize<T>(type: string, fn: () => Promise<T>): Promise<T> {
    return this.#pending.run(type, fn);
  }
}
