"""Reproducible training of the text models (`tutela train text`)."""
