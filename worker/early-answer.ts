import { drainBody } from '../shared/body.ts';

/** An error answer's body, held whole when it comes before the request's body was sent: it is small. */
const EARLY_ANSWER_MAX_BYTES = 1024 * 1024;

/**
 * Sends a request on (to a container) in a way that lets the answer come before the whole body has
 * been sent, as the container's 413 for a body over its limit does: its HTTP server answers, reads a
 * little more, and closes the connection, and the client still sending its body met a reset instead
 * of the 413. Here the client's body passes through a stream of the Worker's own; when the answer
 * comes first, the client's rest is read and discarded (up to a bound, see shared/body.ts) before the
 * answer is handed back, so every client reads it.
 */
export async function sendAllowingEarlyAnswer(
  request: Request,
  send: (request: Request) => Promise<Response>,
): Promise<Response> {
  const body = request.body;
  if (body === null) return send(request);
  // The container sees the body framed as the client framed it: a length when one was given.
  const length = Number(request.headers.get('content-length') ?? Number.NaN);
  const pipe = Number.isSafeInteger(length) ? new FixedLengthStream(length) : new IdentityTransformStream();
  const upload = relay(body, pipe.writable);
  let response: Response;
  try {
    response = await send(new Request(request, { body: pipe.readable }));
  } catch (error) {
    upload.answered();
    await upload.done;
    throw error;
  }
  if (upload.finished()) return response;
  upload.answered();
  // Read before the container closes the connection under its unread answer.
  const early =
    response.status >= 400 && response.body !== null ? await boundedBytes(response) : response.body;
  await upload.done;
  return new Response(early, response);
}

async function boundedBytes(response: Response): Promise<ArrayBuffer | ReadableStream | null> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  return declared > EARLY_ANSWER_MAX_BYTES ? response.body : response.arrayBuffer();
}

/**
 * Copies the client's body to the container's request. Once `answered()`, what is still unsent is
 * read and discarded instead; a container that stops reading (its write fails) turns it into the same.
 */
function relay(body: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>) {
  const writer = writable.getWriter();
  let finished = false;
  let answered = false;
  let onAnswer: () => void = () => {};
  const answer = new Promise<'answered'>((resolve) => {
    onAnswer = () => resolve('answered');
  });
  const done = (async () => {
    const reader = body.getReader();
    try {
      for (;;) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          // The client went away: the container's request fails too, rather than wait for more.
          await writer.abort(error).catch(() => {});
          return;
        }
        if (next.done) {
          finished = true;
          if (!answered) await writer.close();
          return;
        }
        const written = writer.write(next.value);
        written.catch(() => {});
        if ((await Promise.race([written, answer])) === 'answered') break;
      }
    } catch {
      // The container stopped reading: the rest is discarded below.
    }
    reader.releaseLock();
    finished = await drainBody(body);
  })();
  return {
    done,
    finished: () => finished,
    answered() {
      answered = true;
      onAnswer();
    },
  };
}
