ALTER TABLE "orders" ADD COLUMN "paid" boolean DEFAULT false NOT NULL;
