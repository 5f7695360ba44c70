from radshare.cli import main

raise SystemExit(main())
