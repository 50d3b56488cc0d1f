// Every operation of the API through a client generated from its document
// (openapi-typescript types + openapi-fetch), as a front-end developer would
// write it: no casts. tests/test_generated_clients.py generates
// generated/schema.d.ts, compiles this with `tsc --strict`, runs it against a
// live server and checks what it did. Usage: node generated/out/walkthrough.js BASE_URL EMAIL
import createClient from "openapi-fetch";
import type { paths } from "./generated/schema.js";

type TaskPath = paths["/api/{user_id}/tasks/{task_id}"];
// Compiles only while the document declares ETag as a string header.
type ETag = TaskPath["put"]["responses"][200]["headers"]["ETag"];
const etagIsAString: ETag extends string ? (string extends ETag ? true : false) : false = true;

const [baseUrl, email] = process.argv.slice(2);
const password = "correct horse battery";
const client = createClient<paths>({ baseUrl });

function fail(message: string): never {
  throw new Error(message);
}

const registered = await client.POST("/api/auth/register", { body: { email, password } });
const signedIn = await client.POST("/api/auth/token", { body: { email, password } });
let token = signedIn.data?.access_token ?? fail(`token: ${signedIn.response.status}`);
client.use({
  onRequest({ request }) {
    request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
});
const me = await client.GET("/api/auth/me");
const owner = me.data?.id ?? fail(`me: ${me.response.status}`);
// The path's user_id is a string: the id in decimal, "me", or an identity provider's sub.
const user_id = String(owner);

const created = await client.POST("/api/{user_id}/tasks", {
  params: { path: { user_id } },
  body: { title: "Buy milk", description: "2 litres", completed: true },
});
const task_id = created.data?.id ?? fail(`create: ${created.response.status}`);
const path = { user_id, task_id };

// PUT names only the title: description and completed keep their values.
const replaced = await client.PUT("/api/{user_id}/tasks/{task_id}", { params: { path }, body: { title: "Buy oat milk" } });
const etag: ETag = replaced.response.headers.get("ETag") ?? fail("PUT answered without an ETag");

const fetched = await client.GET("/api/{user_id}/tasks/{task_id}", { params: { path } });
const unchanged = await client.GET("/api/{user_id}/tasks/{task_id}", {
  params: { path, header: { "If-None-Match": etag } },
});
// No body toggles (the task was completed); If-Match makes it this version only.
const toggled = await client.PATCH("/api/{user_id}/tasks/{task_id}/complete", {
  params: { path, header: { "If-Match": etag } },
});
const stale = await client.PATCH("/api/{user_id}/tasks/{task_id}", {
  params: { path, header: { "If-Match": etag } },
  body: { description: "lost update" },
});
const patched = await client.PATCH("/api/{user_id}/tasks/{task_id}", { params: { path }, body: { description: "1 litre" } });
const set = await client.PATCH("/api/{user_id}/tasks/{task_id}/complete", {
  params: { path },
  body: { completed: false },
});

const spare = await client.POST("/api/{user_id}/tasks", { params: { path: { user_id } }, body: { title: "Spare" } });
const spare_id = spare.data?.id ?? fail(`create spare: ${spare.response.status}`);
const page = await client.GET("/api/{user_id}/tasks", { params: { path: { user_id }, query: { limit: 1 } } });
const openTasks = await client.GET("/api/{user_id}/tasks", { params: { path: { user_id }, query: { completed: false } } });
const deleted = await client.DELETE("/api/{user_id}/tasks/{task_id}", { params: { path: { user_id, task_id: spare_id } } });

// Sync: a full sync, bulk changes (the deleted spare's id is not counted), then the delta.
const synced = await client.GET("/api/{user_id}/changes", { params: { path: { user_id }, query: { limit: 100 } } });
const since = synced.data?.next_since ?? fail(`changes: ${synced.response.status}`);
const completedInBulk = await client.POST("/api/{user_id}/tasks/bulk", {
  params: { path: { user_id } },
  body: { action: "complete", ids: [task_id, spare_id] },
});
const uncompletedInBulk = await client.POST("/api/{user_id}/tasks/bulk", {
  params: { path: { user_id } },
  body: { action: "uncomplete", ids: [task_id] },
});
const delta = await client.GET("/api/{user_id}/changes", { params: { path: { user_id }, query: { since } } });
const cleared = await client.POST("/api/{user_id}/tasks/clear-completed", { params: { path: { user_id } } });

// Sessions: renew, a script's token, a password change, sign out.
const spent = signedIn.data?.refresh_token ?? fail("token: no refresh_token");
const refreshed = await client.POST("/api/auth/refresh", { body: { refresh_token: spent } });
token = refreshed.data?.access_token ?? fail(`refresh: ${refreshed.response.status}`);
const made = await client.POST("/api/auth/tokens", { body: { name: "script", expires_in_days: 30 } });
const personal = made.data ?? fail(`create token: ${made.response.status}`);
const script = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${personal.token}` } });
const scriptTasks = await script.GET("/api/{user_id}/tasks", { params: { path: { user_id: "me" } } });
const listed = await client.GET("/api/auth/tokens");
const revoked = await client.DELETE("/api/auth/tokens/{token_id}", { params: { path: { token_id: personal.id } } });
const changed = await client.POST("/api/auth/password", {
  body: { current_password: password, new_password: "a brand new passphrase" },
});
token = changed.data?.access_token ?? fail(`password: ${changed.response.status}`);
// Planning: a timezone, a planned task, a filtered sorted list, the tags.
const zone = await client.PATCH("/api/auth/me", { body: { timezone: "Europe/Berlin" } });
const planned = await client.POST("/api/{user_id}/tasks", {
  params: { path: { user_id } },
  body: { title: "File taxes", priority: "high", tags: ["Money", "home"], due_date: "2026-05-31", due_time: "17:00" },
});
const byDue = await client.GET("/api/{user_id}/tasks", {
  params: { path: { user_id }, query: { sort: "due", tag: ["money"], priority: ["high"] } },
});
const tags = await client.GET("/api/{user_id}/tags", { params: { path: { user_id } } });
const renamed = await client.PATCH("/api/{user_id}/tags/{name}", {
  params: { path: { user_id, name: "money" } },
  body: { name: "taxes" },
});
const untagged = await client.DELETE("/api/{user_id}/tags/{name}", { params: { path: { user_id, name: "home" } } });
const loggedOut = await client.POST("/api/auth/logout");

console.log(
  JSON.stringify({
    etagIsAString,
    registered: registered.response.status,
    user_id: owner,
    task_id,
    spare_id,
    created: { status: created.response.status, location: created.response.headers.get("Location") },
    replaced: replaced.data,
    etag,
    fetched: fetched.data,
    unchanged: unchanged.response.status,
    toggled: toggled.data,
    stale: stale.response.status,
    patched: patched.data,
    set: set.data,
    page: { ids: page.data?.map((task) => task.id), link: page.response.headers.get("Link") },
    open: openTasks.data?.map((task) => task.id),
    deleted: deleted.response.status,
    synced: synced.data?.tasks.map((task) => task.id),
    completedInBulk: completedInBulk.data?.affected,
    uncompletedInBulk: uncompletedInBulk.data?.affected,
    delta: { ids: delta.data?.tasks.map((task) => task.id), deleted: delta.data?.deleted },
    cleared: cleared.data?.deleted,
    sessions: {
      refreshed: refreshed.data?.refresh_token !== spent,
      script_tasks: scriptTasks.data?.map((task) => task.id),
      listed: listed.data?.map((listedToken) => listedToken.name),
      revoked: revoked.response.status,
      logged_out: loggedOut.response.status,
    },
    timezone: zone.data?.timezone,
    planned: planned.data,
    by_due: byDue.data?.map((task) => task.id),
    tags: tags.data,
    renamed: renamed.data,
    untagged: untagged.response.status,
  }),
);
