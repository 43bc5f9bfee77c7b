import { createServer } from 'node:http';

/**
 * The ceiling: node:http reading a small JSON body and answering 201 with a
 * small JSON body, doing nothing else. No framework, no database.
 */
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { datetime?: string };
    const answer = JSON.stringify({ message: 'Message stored successfully', data: { id: 1, datetime: body.datetime ?? null } });
    response.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
    response.end(answer);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address) process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
