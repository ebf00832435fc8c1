"""Personal review: spaced repetition of the group drill's questions, per member.

Every question a member met in a revealed round becomes a review card, scheduled by FSRS; the member reviews
due cards privately, keeps a study streak in their own time zone, and can take their notebook with them.
"""
