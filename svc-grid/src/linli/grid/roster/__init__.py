"""The household roster (户籍名册) that campaigns count their coverage against."""
