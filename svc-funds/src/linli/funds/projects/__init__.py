"""Projects (公益项目): proposals, the committee's vote, crowdfunding, updates and completion."""
