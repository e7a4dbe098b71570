import { bigint, boolean, index, jsonb, pgTable, serial, text, timestamp, varchar } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  email: varchar("email", { length: 320 }).notNull().unique(),
  displayName: text("display_name"),
  locale: text("locale").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
});

export const orders = pgTable(
  "orders",
  {
    id: serial("id").primaryKey(),
    userId: bigint("user_id", { mode: "number" }).notNull().references(() => users.id),
    total: varchar("total", { length: 32 }).notNull(),
    paid: boolean("paid").default(false).notNull(),
  },
  (t) => [index("orders_user_id_idx").on(t.userId), index("orders_paid_idx").on(t.paid)],
);

export const userPrefs = pgTable("user_prefs", {
  userId: bigint("user_id", { mode: "number" }).primaryKey().references(() => users.id),
  prefs: jsonb("prefs").notNull(),
});
