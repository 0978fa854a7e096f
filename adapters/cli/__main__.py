from ordertrail.adapters.cli.main import main

main()
