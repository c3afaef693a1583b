/**
 * A raw WebSocket test client on `node:net` and `node:tls` (which all three
 * runtimes have): it sends the upgrade request with the headers a test
 * chooses (an `Origin`, or none), frames whatever bytes it is given (a text
 * message that is not UTF-8, a binary one), and reads the server's messages
 * and its close frame one at a time, each with a timeout. The runtimes'
 * own `WebSocket` can do none of that; the server never uses this framing.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { HOST, READ_TIMEOUT, within } from "./_raw_client.ts";

/** What the server sent, in order. */
export type Frame =
  | { type: "text"; text: string }
  | { type: "binary"; bytes: Uint8Array }
  | { type: "close"; code: number; reason: string }
  | { type: "end" };

/** How to open the connection. */
export interface RawOptions {
  /** The `Origin` header; none if left out. */
  origin?: string;
  /** The `Host` header. @default {`127.0.0.1:PORT`} */
  host?: string;
  /** The path. @default {"/ws"} */
  path?: string;
  /** Speak TLS, trusting this CA. */
  ca?: string;
}

/** A raw connection to a server's web port, before or after its upgrade. */
export class RawWebSocket implements AsyncDisposable {
  readonly socket: Socket;
  /** The response's status line and headers, once read. */
  head = "";
  #buffer: Buffer = Buffer.alloc(0);
  #frames: Frame[] = [];
  #upgraded = false;
  #closeSent = false;
  #ended = false;
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.#ended = true;
      this.#poke();
    });
  }

  /**
   * Connects and asks for the upgrade. Resolves with the response's status:
   * 101 when it upgraded.
   */
  static async open(port: number, options: RawOptions = {}): Promise<RawWebSocket> {
    const socket = await within(
      new Promise<Socket>((resolve, reject) => {
        const socket = options.ca === undefined
          ? netConnect({ host: HOST, port })
          : tlsConnect({ host: HOST, port, ca: options.ca, servername: "localhost" });
        socket.once("error", reject);
        socket.once(options.ca === undefined ? "connect" : "secureConnect", () => {
          socket.off("error", reject);
          resolve(socket);
        });
      }),
      READ_TIMEOUT,
      `connecting to port ${port}`,
    );
    const raw = new RawWebSocket(socket);
    const lines = [
      `GET ${options.path ?? "/ws"} HTTP/1.1`,
      `Host: ${options.host ?? `${HOST}:${port}`}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
      "Sec-WebSocket-Version: 13",
    ];
    if (options.origin !== undefined) lines.push(`Origin: ${options.origin}`);
    socket.write(lines.join("\r\n") + "\r\n\r\n");
    await within(raw.#until(() => raw.head !== "" || raw.#ended), READ_TIMEOUT, "the response");
    return raw;
  }

  /** The response's status code; 0 if the server closed before one. */
  get status(): number {
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(this.head)?.[1] ?? 0);
  }

  /** Sends one masked frame: a text message (a string, or its bytes as they are), or a binary one. */
  send(data: string | Uint8Array, opcode: 1 | 2 | 8 = 1): void {
    this.socket.write(frame(data, opcode));
    if (opcode === 8) this.#closeSent = true;
  }

  /** Sends many text messages in one write. */
  sendAll(texts: readonly string[]): boolean {
    return this.socket.write(Buffer.concat(texts.map((text) => frame(text, 1))));
  }

  /** The next frame from the server; `end` once the connection is closed and all was read. */
  async next(ms = READ_TIMEOUT): Promise<Frame> {
    await within(this.#until(() => this.#frames.length > 0 || this.#ended), ms, "a frame");
    return this.#frames.shift() ?? { type: "end" };
  }

  /** Every text message until the close frame; and the close. */
  async rest(ms = READ_TIMEOUT): Promise<{ texts: string[]; close: Frame }> {
    const texts: string[] = [];
    while (true) {
      const frame = await this.next(ms);
      if (frame.type === "text") texts.push(frame.text);
      else if (frame.type !== "binary") return { texts, close: frame };
    }
  }

  /** Whether the server has closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  #until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = () => {
        if (!ready()) return;
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #poke(): void {
    this.#wake?.();
  }

  #parse(): void {
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      this.head = this.#buffer.subarray(0, end).toString("latin1");
      this.#buffer = this.#buffer.subarray(end + 4);
      this.#upgraded = this.status === 101;
      this.#poke();
      if (!this.#upgraded) return;
    }
    while (this.#buffer.length >= 2) {
      const opcode = this.#buffer[0] & 0x0f;
      let length = this.#buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.#buffer.length < 4) return;
        length = this.#buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.#buffer.length < 10) return;
        length = Number(this.#buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.#buffer.length < offset + length) return;
      const payload = this.#buffer.subarray(offset, offset + length);
      this.#buffer = this.#buffer.subarray(offset + length);
      if (opcode === 1) this.#frames.push({ type: "text", text: payload.toString("utf8") });
      else if (opcode === 2) this.#frames.push({ type: "binary", bytes: payload });
      else if (opcode === 8) {
        // As a client does: the close frame is answered with one, and the
        // server then closes the connection.
        if (!this.#closeSent) this.send(payload.subarray(0, 2), 8);
        this.#frames.push({
          type: "close",
          code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005,
          reason: payload.subarray(2).toString("utf8"),
        });
      }
    }
    this.#poke();
  }

  /** Closes the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.destroy();
    return Promise.resolve();
  }
}

/** One masked frame, as a client sends it. */
function frame(data: string | Uint8Array, opcode: number): Buffer {
  const payload = Buffer.from(data);
  const length = payload.length;
  const header = length < 126
    ? Buffer.from([0x80 | opcode, 0x80 | length])
    : length < 65536
    ? Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff])
    : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), bigLength(length)]);
  const mask = randomBytes(4);
  for (let i = 0; i < length; i++) payload[i] ^= mask[i & 3];
  return Buffer.concat([header, mask, payload]);
}

function bigLength(length: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(length));
  return bytes;
}
