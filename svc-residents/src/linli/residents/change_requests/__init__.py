"""Change requests (信息变更申请): residents ask for their own record to change; a worker decides."""
