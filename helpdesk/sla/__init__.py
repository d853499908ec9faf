"""Service levels: business calendars (opening hours, time zone, public holidays), the first-response
and resolution targets of each queue and priority, the deadlines they give a ticket, and escalation
when a deadline passes.

``calendar`` is pure arithmetic over business time; ``deadlines`` computes a ticket's deadlines from
its policy and state (the ticket state machine and ingest call it); ``escalation`` acts on breaches.
"""
