"""Staff review of applications (reviewers and the secretariat): the queue, the review page
and the review actions."""
