/**
 * Moderation, for the holder of the admin token (`Authorization: Bearer <ADMIN_TOKEN>`):
 * GET /api/admin/review lists the entries that reports have hidden, oldest first. The admin
 * then un-hides one (POST /api/gallery/:id/unhide) or deletes it (DELETE /api/gallery/:id),
 * both with the same token. Without a configured token every request here is a 403.
 */
import { requireAdmin, type ServeEnv, type ServerContext } from "../context.ts";
import { Hono } from "../deps.ts";
import { methodNotAllowed } from "../errors.ts";

export function adminRoutes(ctx: ServerContext): Hono<ServeEnv> {
  const app = new Hono<ServeEnv>();
  app.get("/review", async (c) => {
    await requireAdmin(ctx, c);
    c.header("Cache-Control", "no-store");
    const items = await ctx.gallery.reviewQueue();
    return c.json({
      items: items.map((r) => ({
        id: r.id,
        title: r.title,
        reports: r.reports,
        hiddenAt: new Date(r.hiddenAt).toISOString(),
        createdAt: new Date(r.createdAt).toISOString(),
        // Served for a hidden entry too when the request carries the admin token.
        imageUrl: `/api/gallery/${r.id}/image`,
      })),
    });
  });
  app.all("/review", () => methodNotAllowed("GET, HEAD"));
  return app;
}
