from siliconcrew.cli import main

main()
