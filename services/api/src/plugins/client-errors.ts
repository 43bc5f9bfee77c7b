import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PulseError } from '@pulse/contract';

/**
 * Answers requests Node's HTTP parser refuses before Fastify sees them (bad
 * header bytes, an unparseable request line, a request that took too long) with
 * the shared error body, so even these rejections carry a catalogue code.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const pulseError =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new PulseError('REQUEST_TIMEOUT', 'the request did not arrive in time')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new PulseError('PAYLOAD_TOO_LARGE', 'request headers are too large')
        : new PulseError('VALIDATION_FAILED', 'malformed HTTP request');
  const body = JSON.stringify(pulseError.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${pulseError.status} ${STATUS_CODES[pulseError.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
