"""议一议 (let's discuss): proposals, supports, comments with replies, the agenda and the answer."""
