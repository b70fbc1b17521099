"""The grid's part of a resident's facts (data down): the open incidents a resident reported."""
