"""Applications (办件): filing with materials, the state machine, the working-day clock."""
