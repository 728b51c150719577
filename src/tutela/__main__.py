from tutela.cli.main import main

main()
