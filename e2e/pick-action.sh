#!/bin/sh
# dunst's context menu program (its `dmenu` setting) in the end-to-end test:
# dunst writes one line per action, like "#Confirm (Booking requested)
# [2,confirm]", and runs the one printed back. This picks the action whose
# identifier is in the file $E2E_PICK.
want=$(cat "$E2E_PICK")
grep -m1 -F ",$want]"
