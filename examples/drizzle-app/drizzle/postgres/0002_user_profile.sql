ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(320);--> statement-breakpoint
ALTER TABLE "users" RENAME COLUMN "name" TO "display_name";--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL;
