// Verifies deliveries with the Standard Webhooks reference library: reads
// [{secret, payload, headers}] as JSON on stdin, prints [{id, ok, error}] as JSON.
import { Webhook } from "standardwebhooks";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const deliveries = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const results = deliveries.map(({ secret, payload, headers }) => {
  try {
    new Webhook(secret).verify(payload, headers);
    return { id: headers["webhook-id"], ok: true };
  } catch (e) {
    return { id: headers["webhook-id"], ok: false, error: String(e) };
  }
});
console.log(JSON.stringify(results));
