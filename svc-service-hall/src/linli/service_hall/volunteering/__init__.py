"""五社联动 volunteering: social organisations and volunteer teams with members, volunteer
activities with sign-up and check-in/out, service hours, each volunteer's total and history,
and the ranking of a community."""
