"""What every list table shares."""

# The list container boosts its sorting and paging links with htmx (swapping the table
# only); links to the records themselves, in the body, must be plain navigations.
TABLE_ATTRS = {"class": "table table-vcenter card-table", "tbody": {"hx-boost": "false"}}
