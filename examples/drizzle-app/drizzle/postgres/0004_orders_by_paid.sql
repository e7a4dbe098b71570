CREATE INDEX "orders_paid_idx" ON "orders" USING btree ("paid");
