DROP TABLE queued_order_outcomes;
