from gdsc_book.cli import main

raise SystemExit(main())
