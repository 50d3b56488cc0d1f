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
const token = signedIn.data?.access_token ?? fail(`token: ${signedIn.response.status}`);
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
    timezone: zone.data?.timezone,
    planned: planned.data,
    by_due: byDue.data?.map((task) => task.id),
    tags: tags.data,
    renamed: renamed.data,
    untagged: untagged.response.status,
  }),
);
