from consultui.cli import main

raise SystemExit(main())
