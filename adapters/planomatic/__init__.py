"""PlanOmatic PlanOcore "Orders Pay and submit" (seed 004): client, outcomes, simulator."""
