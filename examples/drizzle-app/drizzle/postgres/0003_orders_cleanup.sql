ALTER TABLE "orders" DROP COLUMN "coupon";--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE varchar(32);--> statement-breakpoint
CREATE TABLE "user_prefs" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"prefs" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_prefs" ADD CONSTRAINT "user_prefs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;
