"""The elderly canteen (长者饭堂): sites and subsidy rules, menus, orders for tomorrow until 20:00
the day before at base − subsidy − stored-value discount, stored-value accounts with an
append-only ledger, the kitchen's count and the day's totals, closed into `canteen.day_closed`."""
