DROP TABLE IF EXISTS platform.rate_limit;
