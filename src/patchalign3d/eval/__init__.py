"""Evaluation: benchmark runs, part-IoU metrics and the pictures of results."""
