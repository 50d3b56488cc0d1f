// A real Better Auth server for the tests: email and password sign-up, the
// jwt() plugin (EdDSA keys, /api/auth/token, /api/auth/jwks), an in-memory
// database. It listens on 127.0.0.1 on a free port and prints
// "listening <port>" once ready. Two routes of the harness's own drive key
// rotation as Better Auth itself does it: a key whose expiresAt has passed
// signs nothing more (the next token gets a new key), and stays published
// in the JWKS for the grace period after it.
import http from "node:http";

import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { jwt } from "better-auth/plugins";

const GRACE_PERIOD_SECONDS = 3600;

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  const baseURL = `http://127.0.0.1:${port}`;
  const db = { user: [], session: [], account: [], verification: [], jwks: [] };
  const auth = betterAuth({
    baseURL,
    secret: "better-auth-test-secret-of-at-least-32-characters",
    database: memoryAdapter(db),
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
    // The tests call from Python, not from a page: no rate limit to trip.
    rateLimit: { enabled: false },
    plugins: [
      jwt({
        jwks: { gracePeriod: GRACE_PERIOD_SECONDS },
        // A number would be read as an absolute epoch: a duration is a string.
        jwt: { expirationTime: "15m" },
      }),
    ],
  });
  const betterAuthHandler = toNodeHandler(auth);

  server.on("request", (req, res) => {
    if (req.method === "POST" && req.url === "/harness/rotate") {
      // Better Auth's own rotation: the live keys expire now.
      const now = new Date();
      for (const key of db.jwks) {
        if (!key.expiresAt || key.expiresAt > now) key.expiresAt = now;
      }
      return reply(res, { kids: db.jwks.map((key) => key.id) });
    }
    if (req.method === "POST" && req.url === "/harness/end-grace") {
      // As if the grace period of every expired key were over.
      const past = new Date(Date.now() - (GRACE_PERIOD_SECONDS + 1) * 1000);
      for (const key of db.jwks) {
        if (key.expiresAt && key.expiresAt <= new Date()) key.expiresAt = past;
      }
      return reply(res, { kids: db.jwks.map((key) => key.id) });
    }
    return betterAuthHandler(req, res);
  });
  process.stdout.write(`listening ${port}\n`);
});

function reply(res, body) {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
